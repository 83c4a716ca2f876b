using System.Collections.Frozen;
using MassRouter.Gateway.Configuration;
using MassRouter.Core.Money;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Providers;
using MassRouter.Gateway.Resilience;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Routing;

/// <summary>Public model id → deployments, built once from configuration.</summary>
internal sealed class ModelCatalog : IDisposable
{
    private readonly FrozenDictionary<string, ModelRoute> _routes;
    private readonly FrozenDictionary<string, ProviderEndpoint> _providers;

    public ModelCatalog(IOptions<GatewayOptions> options, CircuitBreakers breakers, PriceTable prices)
    {
        var config = options.Value;
        _providers = config.Providers.ToFrozenDictionary(
            p => p.Key,
            p => new ProviderEndpoint(p.Key, p.Value),
            StringComparer.OrdinalIgnoreCase);
        _routes = config.Models.ToFrozenDictionary(
            m => m.Id,
            m => new ModelRoute(
                m.Id,
                [.. m.Deployments
                    .Select((d, index) =>
                    {
                        var provider = _providers[d.Provider];
                        var upstream = d.Model ?? m.Id;
                        return new Deployment(m.Id, provider, upstream, d.Weight, d.Priority ?? index, breakers.For(provider.Name + "/" + upstream), m.FirstTokenTimeout,
                            d.Price is { } own ? new ModelPrice(own.InputPerMillion, own.OutputPerMillion, own.CachedInputPerMillion) : prices.For(m.Id));
                    })
                    .OrderBy(d => d.Priority)],
                string.Equals(m.LoadBalancing, "least-latency", StringComparison.OrdinalIgnoreCase),
                m.TotalTimeout),
            StringComparer.Ordinal);
        Models = [.. _routes.Values.OrderBy(r => r.Id, StringComparer.Ordinal)];
    }

    /// <summary>All models, ordered by id.</summary>
    public IReadOnlyList<ModelRoute> Models { get; }

    /// <summary>All providers.</summary>
    public IEnumerable<ProviderEndpoint> Providers => _providers.Values;

    public bool TryGet(string model, out ModelRoute route) => _routes.TryGetValue(model, out route!);

    public void Dispose()
    {
        foreach (var provider in _providers.Values)
        {
            provider.Dispose();
        }
    }
}
