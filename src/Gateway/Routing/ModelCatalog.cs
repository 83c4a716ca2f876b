using System.Collections.Frozen;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Providers;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Routing;

/// <summary>Public model id → deployments, built once from configuration.</summary>
internal sealed class ModelCatalog : IDisposable
{
    private readonly FrozenDictionary<string, ModelRoute> _routes;
    private readonly FrozenDictionary<string, ProviderEndpoint> _providers;

    public ModelCatalog(IOptions<GatewayOptions> options)
    {
        var config = options.Value;
        _providers = config.Providers.ToFrozenDictionary(
            p => p.Key,
            p => new ProviderEndpoint(p.Key, p.Value),
            StringComparer.OrdinalIgnoreCase);
        _routes = config.Models.ToFrozenDictionary(
            m => m.Id,
            m => new ModelRoute(m.Id, m.Deployments.Select(d => new Deployment(_providers[d.Provider], d.Model ?? m.Id, d.Weight)).ToArray()),
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
