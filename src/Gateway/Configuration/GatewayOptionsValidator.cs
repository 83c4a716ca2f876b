using MassRouter.Core.Catalog;
using MassRouter.Gateway.Providers;
using MassRouter.Gateway.Transforms.Providers;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Configuration;

/// <summary>Fails start-up with a message naming the setting that is wrong.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    private static readonly IReadOnlyList<string> KnownKinds = ProviderKinds.All;

    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var failures = new List<string>();
        if (options.StreamKeepAlive != TimeSpan.Zero
            && (options.StreamKeepAlive < TimeSpan.FromMilliseconds(100) || options.StreamKeepAlive > TimeSpan.FromHours(1)))
        {
            failures.Add("MassRouter:StreamKeepAlive must be 0 (off) or from 00:00:00.1 to 01:00:00.");
        }

        if (options.MaxRequestBodyBytes <= 0)
        {
            failures.Add("MassRouter:MaxRequestBodyBytes must be positive.");
        }

        if (!string.IsNullOrEmpty(options.CredentialKey) && !IsBase64Of32Bytes(options.CredentialKey))
        {
            failures.Add("MassRouter:CredentialKey must be base64 of exactly 32 bytes (the control API's value).");
        }

        options.Tracing.Validate("MassRouter:Tracing", failures);
        if (options.Cache.MaxTtl <= TimeSpan.Zero || options.Cache.MaxEntryBytes <= 0 || options.Cache.LocalMaxBytes <= 0)
        {
            failures.Add("MassRouter:Cache:MaxTtl, MaxEntryBytes and LocalMaxBytes must be positive.");
        }

        foreach (var (providerName, provider) in options.Providers)
        {
            var prefix = $"MassRouter:Providers:{providerName}";
            if (!KnownKinds.Contains(provider.Kind, StringComparer.OrdinalIgnoreCase))
            {
                failures.Add($"{prefix}:Kind '{provider.Kind}' is not supported (supported: {string.Join(", ", KnownKinds)}).");
            }

            var bedrock = string.Equals(provider.Kind, ProviderKinds.Bedrock, StringComparison.OrdinalIgnoreCase);
            var regionalDefault = bedrock && provider.BaseUrl.Length == 0 && provider.Region is { Length: > 0 };
            var uri = default(Uri);
            if (!regionalDefault
                && (!Uri.TryCreate(provider.BaseUrl, UriKind.Absolute, out uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
            {
                failures.Add($"{prefix}:BaseUrl '{provider.BaseUrl}' must be an absolute http(s) URL{(bedrock ? " (or leave it out and set Region)" : "")}.");
            }

            if (provider.Region is { } region && (!bedrock || !IsRegion(region)))
            {
                failures.Add(bedrock
                    ? $"{prefix}:Region '{region}' is not an AWS region name (e.g. us-east-1)."
                    : $"{prefix}:Region applies to Bedrock providers only.");
            }

            var credential = provider.ApiKey is { Length: > 0 } key ? key
                : provider.ApiKeyEnvironmentVariable is { Length: > 0 } keyVariable ? Environment.GetEnvironmentVariable(keyVariable) : null;
            if (bedrock && BedrockEndpoints.IsAccessKeyCredential(credential) && provider.Region is null && BedrockEndpoints.RegionOf(uri?.Host ?? "") is null)
            {
                failures.Add($"{prefix}:Region is required: AWS access keys sign for a region, and the base URL's host names none.");
            }

            if (bedrock && BedrockEndpoints.IsAccessKeyCredential(credential) && AwsCredentials.Parse(credential) is null)
            {
                failures.Add($"{prefix}: a Bedrock credential with a colon must be AWS access keys, ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN].");
            }

            if (provider.Flavor is not null && !string.Equals(provider.Flavor, "azure", StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"{prefix}:Flavor '{provider.Flavor}' is not supported (supported: azure).");
            }

            if (provider.Responses == true && !string.Equals(provider.Kind, ProviderKinds.OpenAI, StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"{prefix}:Responses applies to the openai kind only (a {provider.Kind} provider's /v1/responses requests are translated).");
            }

            if (string.Equals(provider.Flavor, "azure", StringComparison.OrdinalIgnoreCase) && string.IsNullOrEmpty(provider.ApiVersion))
            {
                failures.Add($"{prefix}:ApiVersion is required for Azure OpenAI.");
            }

            if (provider.ApiKeyEnvironmentVariable is { Length: > 0 } variable && Environment.GetEnvironmentVariable(variable) is null)
            {
                failures.Add($"{prefix}:ApiKeyEnvironmentVariable names '{variable}', which is not set.");
            }

            if (provider.ConnectTimeout <= TimeSpan.Zero || provider.ActivityTimeout <= TimeSpan.Zero)
            {
                failures.Add($"{prefix}: ConnectTimeout and ActivityTimeout must be positive.");
            }

            if (provider.PooledConnectionIdleTimeout < TimeSpan.Zero || provider.PooledConnectionIdleTimeout > TimeSpan.FromDays(1))
            {
                failures.Add($"{prefix}:PooledConnectionIdleTimeout must be between 00:00:00 (no reuse) and one day.");
            }

            if (provider.BurstConnectionIdleTimeout < TimeSpan.Zero || provider.BurstConnectionIdleTimeout > TimeSpan.FromDays(1))
            {
                failures.Add($"{prefix}:BurstConnectionIdleTimeout must be between 00:00:00 (no reuse) and one day.");
            }

            if (provider.WarmConnections < 1)
            {
                failures.Add($"{prefix}:WarmConnections must be at least 1.");
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Models.Count; i++)
        {
            var model = options.Models[i];
            var prefix = $"MassRouter:Models:{i}";
            if (string.IsNullOrWhiteSpace(model.Id))
            {
                failures.Add($"{prefix}:Id is required.");
                continue;
            }

            if (!seen.Add(model.Id))
            {
                failures.Add($"{prefix}:Id '{model.Id}' is listed twice.");
            }

            if (model.LoadBalancing is not ("weighted" or "least-latency"))
            {
                failures.Add($"{prefix}:LoadBalancing '{model.LoadBalancing}' is not supported (supported: weighted, least-latency).");
            }

            if (model.CacheTtl <= TimeSpan.Zero)
            {
                failures.Add($"{prefix}: CacheTtl must be positive when set.");
            }

            if (model.FirstTokenTimeout <= TimeSpan.Zero || model.TotalTimeout <= TimeSpan.Zero)
            {
                failures.Add($"{prefix}: FirstTokenTimeout and TotalTimeout must be positive when set.");
            }

            if (model.Deployments.Count == 0)
            {
                failures.Add($"{prefix} ('{model.Id}') has no Deployments.");
            }

            for (var d = 0; d < model.Deployments.Count; d++)
            {
                var deployment = model.Deployments[d];
                if (!options.Providers.ContainsKey(deployment.Provider))
                {
                    failures.Add($"{prefix}:Deployments:{d}:Provider '{deployment.Provider}' is not a configured provider.");
                }

                if (deployment.Weight <= 0)
                {
                    failures.Add($"{prefix}:Deployments:{d}:Weight must be positive.");
                }
            }
        }

        for (var i = 0; i < options.ApiKeys.Count; i++)
        {
            var key = options.ApiKeys[i];
            if (string.IsNullOrEmpty(key.Key) == string.IsNullOrEmpty(key.KeyHash))
            {
                failures.Add($"MassRouter:ApiKeys:{i} needs exactly one of Key or KeyHash.");
            }
            else if (key.KeyHash is { } hash && (hash.Length != 64 || !hash.All(Uri.IsHexDigit)))
            {
                failures.Add($"MassRouter:ApiKeys:{i}:KeyHash must be 64 hex characters (SHA-256).");
            }
        }

        if (options.WakeSpin is { } wakeSpin && (wakeSpin < TimeSpan.Zero || wakeSpin > MaxWakeSpin))
        {
            failures.Add($"MassRouter:WakeSpin must be between 0 (off) and {MaxWakeSpin.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} ms.");
        }

        if (!IsValidShutdownDelay(options.Resilience.ShutdownDelay))
        {
            failures.Add($"MassRouter:Resilience:ShutdownDelay must be between 00:00:00 (off) and {MaxShutdownDelay:c}.");
        }

        foreach (var origin in options.Cors.AllowedOrigins)
        {
            if (!MassRouter.Core.Security.BrowserOrigins.IsValidSetting(origin))
            {
                failures.Add(MassRouter.Core.Security.BrowserOrigins.Invalid("MassRouter:Cors:AllowedOrigins", origin));
            }
        }

        if (options.Cors.PreflightMaxAge < TimeSpan.Zero || options.Cors.PreflightMaxAge > TimeSpan.FromDays(1))
        {
            failures.Add("MassRouter:Cors:PreflightMaxAge must be between 00:00:00 and 1.00:00:00.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Beyond a few milliseconds a spin no longer bridges a wait for an answer; it only burns a core.</summary>
    internal static readonly TimeSpan MaxWakeSpin = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Load balancers and Kubernetes take seconds to stop routing to an instance; minutes of delay only hold a rollout
    /// (and run into any orchestrator's kill timeout, 30 s by default in Kubernetes).
    /// </summary>
    internal static readonly TimeSpan MaxShutdownDelay = TimeSpan.FromMinutes(5);

    internal static bool IsValidShutdownDelay(TimeSpan delay) => delay >= TimeSpan.Zero && delay <= MaxShutdownDelay;

    private static bool IsBase64Of32Bytes(string value)
    {
        Span<byte> buffer = stackalloc byte[64];
        return Convert.TryFromBase64String(value, buffer, out var written) && written == 32;
    }

    private static bool IsRegion(string region) =>
        region.Length is > 0 and <= 32 && region.All(static c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') && region[0] != '-' && region[^1] != '-';
}
