using System.Collections.Frozen;
using MassRouter.Gateway.Configuration;
using MassRouter.Core.Money;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Providers;
using MassRouter.Gateway.Resilience;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Routing;

/// <summary>
/// Public model id → deployments: the configured catalog, with the control plane's catalog (<c>mr:catalog</c>) merged
/// over it when one is applied. A lookup reads one immutable snapshot; a reload swaps the snapshot.
/// </summary>
internal sealed class ModelCatalog : IDisposable
{
    private readonly GatewayOptions _configured;
    private readonly CircuitBreakers _breakers;
    private readonly PriceTable _prices;
    private readonly FrozenDictionary<string, ProviderEndpoint> _configuredProviders;
    private readonly Lock _gate = new();

    // Endpoints of the control plane's providers by name, with the settings they were built from: reused while those
    // are unchanged, so a catalog reload keeps their connection pools.
    private readonly Dictionary<string, (ProviderOptions Options, ProviderEndpoint Endpoint)> _overlayProviders = new(StringComparer.OrdinalIgnoreCase);

    // Replaced endpoints may still serve in-flight requests: they are disposed with the catalog, not at the swap.
    private readonly List<ProviderEndpoint> _retired = [];
    private volatile Snapshot _current;

    public ModelCatalog(IOptions<GatewayOptions> options, CircuitBreakers breakers, PriceTable prices)
    {
        _configured = options.Value;
        _breakers = breakers;
        _prices = prices;
        _configuredProviders = _configured.Providers.ToFrozenDictionary(
            p => p.Key,
            p => new ProviderEndpoint(p.Key, p.Value),
            StringComparer.OrdinalIgnoreCase);
        _current = Build(_configuredProviders, _configured.Models);
    }

    /// <summary>All models, ordered by id.</summary>
    public IReadOnlyList<ModelRoute> Models => _current.Models;

    /// <summary>The provider named <paramref name="name"/> (case-insensitive), or null when the catalog has none by that name.</summary>
    public ProviderEndpoint? Provider(string name) => _current.Providers.GetValueOrDefault(name);

    public bool TryGet(string model, out ModelRoute route) => _current.Routes.TryGetValue(model, out route!);

    /// <summary>
    /// Serves the configured catalog merged under <paramref name="providers"/> and <paramref name="models"/> (the
    /// control plane's; they win on provider names and model ids). Deployments naming an unknown provider are dropped,
    /// and so are models left without one.
    /// </summary>
    public void Apply(IReadOnlyDictionary<string, ProviderOptions> providers, IReadOnlyList<ModelOptions> models)
    {
        lock (_gate)
        {
            foreach (var name in _overlayProviders.Keys.Where(name => !providers.ContainsKey(name)).ToList())
            {
                _retired.Add(_overlayProviders[name].Endpoint);
                _overlayProviders.Remove(name);
            }

            foreach (var (name, options) in providers)
            {
                if (_overlayProviders.TryGetValue(name, out var existing) && SameEndpoint(existing.Options, options))
                {
                    continue;
                }

                if (existing.Endpoint is not null)
                {
                    _retired.Add(existing.Endpoint);
                }

                _overlayProviders[name] = (options, new ProviderEndpoint(name, options));
            }

            var merged = new Dictionary<string, ProviderEndpoint>(_configuredProviders, StringComparer.OrdinalIgnoreCase);
            foreach (var (name, (_, endpoint)) in _overlayProviders)
            {
                merged[name] = endpoint;
            }

            var overlayIds = models.Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
            var mergedModels = _configured.Models.Where(m => !overlayIds.Contains(m.Id)).Concat(models)
                .Select(m => WithKnownProviders(m, merged))
                .Where(m => m.Deployments.Count > 0)
                .ToList();
            _current = Build(merged.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase), mergedModels);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var provider in _configuredProviders.Values.Concat(_overlayProviders.Values.Select(p => p.Endpoint)).Concat(_retired))
            {
                provider.Dispose();
            }
        }
    }

    private Snapshot Build(FrozenDictionary<string, ProviderEndpoint> providers, IEnumerable<ModelOptions> models)
    {
        var routes = models.ToFrozenDictionary(
            m => m.Id,
            m => new ModelRoute(
                m.Id,
                [.. m.Deployments
                    .Select((d, index) =>
                    {
                        var provider = providers[d.Provider];
                        var upstream = d.Model ?? m.Id;
                        return new Deployment(m.Id, provider, upstream, d.Weight, d.Priority ?? index, _breakers.For(provider.Name + "/" + upstream), m.FirstTokenTimeout,
                            _prices, d.Price is { } own ? new ModelPrice(own.InputPerMillion, own.OutputPerMillion, own.CachedInputPerMillion) : null);
                    })
                    .OrderBy(d => d.Priority)],
                string.Equals(m.LoadBalancing, "least-latency", StringComparison.OrdinalIgnoreCase),
                m.TotalTimeout,
                m.CacheTtl),
            StringComparer.Ordinal);
        return new Snapshot(routes, providers, [.. routes.Values.OrderBy(r => r.Id, StringComparer.Ordinal)]);
    }

    private static ModelOptions WithKnownProviders(ModelOptions model, Dictionary<string, ProviderEndpoint> providers) =>
        model.Deployments.All(d => providers.ContainsKey(d.Provider))
            ? model
            : new ModelOptions
            {
                Id = model.Id,
                Deployments = [.. model.Deployments.Where(d => providers.ContainsKey(d.Provider))],
                FirstTokenTimeout = model.FirstTokenTimeout,
                TotalTimeout = model.TotalTimeout,
                CacheTtl = model.CacheTtl,
                LoadBalancing = model.LoadBalancing,
            };

    // A provider whose settings changed gets a new endpoint (and new connection pools); the old one is retired.
    private static bool SameEndpoint(ProviderOptions a, ProviderOptions b) =>
        a.Kind == b.Kind && a.Flavor == b.Flavor && a.Responses == b.Responses && a.BaseUrl == b.BaseUrl && a.Region == b.Region && a.ApiVersion == b.ApiVersion && a.ApiKey == b.ApiKey
        && a.ApiKeyEnvironmentVariable == b.ApiKeyEnvironmentVariable
        && a.ConnectTimeout == b.ConnectTimeout && a.ActivityTimeout == b.ActivityTimeout && a.MaxConnectionsPerServer == b.MaxConnectionsPerServer
        && a.PooledConnectionIdleTimeout == b.PooledConnectionIdleTimeout && a.WarmConnections == b.WarmConnections
        && a.BurstConnectionIdleTimeout == b.BurstConnectionIdleTimeout
        && a.Headers.Count == b.Headers.Count && a.Headers.All(h => b.Headers.TryGetValue(h.Key, out var value) && value == h.Value);

    private sealed record Snapshot(FrozenDictionary<string, ModelRoute> Routes, FrozenDictionary<string, ProviderEndpoint> Providers, IReadOnlyList<ModelRoute> Models);
}
