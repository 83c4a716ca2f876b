using System.Globalization;
using MassRouter.ControlApi.Redis;
using MassRouter.Core.Catalog;
using MassRouter.Core.Money;

namespace MassRouter.ControlApi.Catalog;

/// <summary>Builds the catalog document from the database and publishes it to <c>mr:catalog</c> with a <c>catalog</c> invalidation.</summary>
internal sealed class CatalogPublisher(CatalogRepository catalog, CredentialProtector credentials, RedisState redis, TimeProvider time)
{
    private static readonly IReadOnlyList<CatalogDeployment> NoDeployments = [];
    private static readonly IReadOnlyDictionary<string, string> EmptyHeaders = new Dictionary<string, string>();

    /// <summary>Formats nano-dollars per million tokens as the decimal-USD string the catalog carries.</summary>
    public static string Price(long nanosPerMillion) => Nanos.ToDollars(nanosPerMillion).ToString("0.#########", CultureInfo.InvariantCulture);

    public async Task<CatalogDocument> BuildAsync()
    {
        var providers = await catalog.AllProvidersAsync();
        var models = await catalog.AllModelsAsync();
        var routes = await catalog.RoutesAsync();
        var enabledProviders = providers.Where(p => p.Enabled != 0).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        return new CatalogDocument
        {
            // Wall-clock milliseconds: increases across restarts and instances without a shared counter.
            Version = time.GetUtcNow().ToUnixTimeMilliseconds(),
            Providers = providers.Select(p => ToCatalog(p, p.Settings())).ToList(),
            Models = models.Where(m => m.Enabled != 0).Select(m => new CatalogModel
            {
                Id = m.PublicId,
                DisplayName = m.DisplayName,
                ContextLength = m.ContextLength is { } length ? (int)Math.Min(length, int.MaxValue) : null,
                InputPerMillion = Price(m.InputNanosPerMillion),
                OutputPerMillion = Price(m.OutputNanosPerMillion),
                CachedInputPerMillion = m.CachedInputNanosPerMillion is { } cached ? Price(cached) : null,
                Deployments = routes[m.Id].Where(r => enabledProviders.Contains(r.Provider))
                    .Select(r => new CatalogDeployment(r.Provider, r.UpstreamModel, (int)r.Weight)).ToList(),
                FirstTokenTimeoutMs = m.FirstTokenTimeoutMs,
                TotalTimeoutMs = m.TotalTimeoutMs,
                LoadBalancing = m.LoadBalancing,
            }).ToList(),
        };
    }

    private CatalogProvider ToCatalog(ProviderRow row, ProviderSettings settings) => new()
    {
        Name = row.Name,
        Kind = row.Kind,
        Flavor = row.Flavor,
        BaseUrl = row.BaseUrl,
        ApiVersion = row.ApiVersion,
        Credential = row.CredentialProtected is null ? null : credentials.SealForCatalog(row.CredentialProtected),
        Enabled = row.Enabled != 0,
        ConnectTimeoutMs = settings.ConnectTimeoutMs,
        ActivityTimeoutMs = settings.ActivityTimeoutMs,
        MaxConnections = settings.MaxConnections,
        PooledConnectionIdleTimeoutMs = settings.PooledConnectionIdleTimeoutMs,
        WarmConnections = settings.WarmConnections,
        BurstConnectionIdleTimeoutMs = settings.BurstConnectionIdleTimeoutMs,
        Headers = settings.Headers,
        Responses = settings.Responses,
    };

    public async Task<CatalogDocument> PublishAsync()
    {
        var document = await BuildAsync();
        await redis.WriteCatalogAsync(document);
        return document;
    }

    /// <summary>
    /// Publishes the catalog only when Redis lacks it or holds different content (ignoring the version, and comparing
    /// credentials by the secret they seal); true when it did. Gateways reload the catalog on every publication.
    /// </summary>
    public async Task<bool> PublishIfChangedAsync()
    {
        var document = await BuildAsync();
        if (await redis.ReadCatalogAsync() is { } current && SameContent(current, document))
        {
            return false;
        }

        await redis.WriteCatalogAsync(document);
        return true;
    }

    private bool SameContent(CatalogDocument current, CatalogDocument fresh)
    {
        if (current.Providers.Count != fresh.Providers.Count || current.Models.Count != fresh.Models.Count)
        {
            return false;
        }

        for (var i = 0; i < fresh.Providers.Count; i++)
        {
            var (was, now) = (current.Providers[i], fresh.Providers[i]);
            // Records compare the headers by reference: they are compared entry by entry.
            if (was with { Credential = null, Headers = null } != now with { Credential = null, Headers = null }
                || !SameHeaders(was.Headers, now.Headers)
                || !credentials.SameSealedSecret(was.Credential, now.Credential))
            {
                return false;
            }
        }

        for (var i = 0; i < fresh.Models.Count; i++)
        {
            var (was, now) = (current.Models[i], fresh.Models[i]);
            // Records compare lists by reference: the deployments are compared element by element.
            if (was with { Deployments = NoDeployments } != now with { Deployments = NoDeployments } || !was.Deployments.SequenceEqual(now.Deployments))
            {
                return false;
            }
        }

        return true;
    }

    private static bool SameHeaders(IReadOnlyDictionary<string, string>? was, IReadOnlyDictionary<string, string>? now) =>
        (was ?? EmptyHeaders).Count == (now ?? EmptyHeaders).Count
        && (was ?? EmptyHeaders).All(h => (now ?? EmptyHeaders).TryGetValue(h.Key, out var value) && value == h.Value);
}
