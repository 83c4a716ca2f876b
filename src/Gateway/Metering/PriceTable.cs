using System.Collections.Frozen;
using MassRouter.Core.Money;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Metering;

/// <summary>Prices per public model id, from configuration (the control plane's catalog later); unknown models are free.</summary>
internal sealed class PriceTable(IOptions<MeteringOptions> options)
{
    private readonly FrozenDictionary<string, ModelPrice> _prices = options.Value.Prices.ToFrozenDictionary(
        p => p.Key,
        p => new ModelPrice(p.Value.InputPerMillion, p.Value.OutputPerMillion, p.Value.CachedInputPerMillion),
        StringComparer.Ordinal);

    public ModelPrice For(string model) => _prices.GetValueOrDefault(model, ModelPrice.Free);
}
