using MassRouter.ControlApi.Http;
using MassRouter.Core.Catalog;

namespace MassRouter.ControlApi.Catalog;

/// <summary>
/// A provider's connection settings, extra headers and whether it serves OpenAI's Responses API itself, as the gateways
/// apply them (README, <c>MassRouter:Providers:{name}:...</c>); a null field takes the gateway's default. In an update only
/// the given fields change, and given headers replace all of them (<c>{}</c> removes them).
/// </summary>
public sealed record ProviderSettings(
    long? ConnectTimeoutMs = null,
    long? ActivityTimeoutMs = null,
    int? MaxConnections = null,
    long? PooledConnectionIdleTimeoutMs = null,
    int? WarmConnections = null,
    long? BurstConnectionIdleTimeoutMs = null,
    IReadOnlyDictionary<string, string>? Headers = null,
    bool? Responses = null)
{
    /// <summary>These settings with the fields <paramref name="update"/> gives replaced.</summary>
    public ProviderSettings With(ProviderSettings? update) => update is null ? this : new(
        update.ConnectTimeoutMs ?? ConnectTimeoutMs,
        update.ActivityTimeoutMs ?? ActivityTimeoutMs,
        update.MaxConnections ?? MaxConnections,
        update.PooledConnectionIdleTimeoutMs ?? PooledConnectionIdleTimeoutMs,
        update.WarmConnections ?? WarmConnections,
        update.BurstConnectionIdleTimeoutMs ?? BurstConnectionIdleTimeoutMs,
        update.Headers ?? Headers,
        update.Responses ?? Responses);

    internal static ValidationErrors Validate(ProviderSettings? settings, ValidationErrors errors, string kind)
    {
        if (settings is null)
        {
            return errors;
        }

        const string Field = "settings.";
        errors.Check(settings.Responses != true || kind == "openai", Field + "responses", "Only an openai-kind provider serves OpenAI's Responses API; other kinds' /v1/responses requests are translated.");
        errors.Check(settings.ConnectTimeoutMs is not { } connect || CatalogRules.IsTimeout(connect, CatalogRules.MaxConnectTimeoutMs), Field + "connectTimeoutMs", $"Must be 1 to {CatalogRules.MaxConnectTimeoutMs} ms.")
            .Check(settings.ActivityTimeoutMs is not { } activity || CatalogRules.IsTimeout(activity), Field + "activityTimeoutMs", $"Must be 1 to {CatalogRules.MaxTimeoutMs} ms.")
            .Check(settings.MaxConnections is not { } max || CatalogRules.IsConnectionCount(max), Field + "maxConnections", "Must be at least 1.")
            .Check(settings.PooledConnectionIdleTimeoutMs is not { } pooled || CatalogRules.IsIdleTimeout(pooled), Field + "pooledConnectionIdleTimeoutMs", $"Must be 0 (no reuse) to {CatalogRules.MaxTimeoutMs} ms.")
            .Check(settings.WarmConnections is not { } warm || CatalogRules.IsConnectionCount(warm), Field + "warmConnections", "Must be at least 1.")
            .Check(settings.BurstConnectionIdleTimeoutMs is not { } burst || CatalogRules.IsIdleTimeout(burst), Field + "burstConnectionIdleTimeoutMs", $"Must be 0 (no reuse) to {CatalogRules.MaxTimeoutMs} ms.");
        if (settings.Headers is { } headers)
        {
            errors.Check(headers.Count <= CatalogRules.MaxHeaders, Field + "headers", $"At most {CatalogRules.MaxHeaders} headers.")
                .Check(headers.Keys.Distinct(StringComparer.OrdinalIgnoreCase).Count() == headers.Count, Field + "headers", "A header is named twice (names ignore case).");
            foreach (var (name, value) in headers)
            {
                if (CatalogRules.HeaderProblem(name, value) is { } problem)
                {
                    errors.Add(Field + "headers." + name, problem);
                }
            }
        }

        return errors;
    }
}
