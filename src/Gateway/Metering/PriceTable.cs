using System.Collections.Frozen;
using MassRouter.Core.Money;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// Prices per public model id: from configuration, with the control plane's catalog merged over it when one is
/// applied; unknown models are free.
/// </summary>
internal sealed class PriceTable(IOptions<MeteringOptions> options)
{
    private readonly FrozenDictionary<string, ModelPrice> _configured = options.Value.Prices.ToFrozenDictionary(
        p => p.Key,
        p => new ModelPrice(p.Value.InputPerMillion, p.Value.OutputPerMillion, p.Value.CachedInputPerMillion),
        StringComparer.Ordinal);

    private volatile FrozenDictionary<string, ModelPrice>? _merged;

    public ModelPrice For(string model) => (_merged ?? _configured).GetValueOrDefault(model, ModelPrice.Free);

    /// <summary>Serves the configured prices with <paramref name="prices"/> (the control plane's) winning on model ids.</summary>
    public void Apply(IReadOnlyDictionary<string, ModelPrice> prices)
    {
        var merged = new Dictionary<string, ModelPrice>(_configured, StringComparer.Ordinal);
        foreach (var (model, price) in prices)
        {
            merged[model] = price;
        }

        _merged = merged.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
