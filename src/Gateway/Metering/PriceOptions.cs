namespace MassRouter.Gateway.Metering;

/// <summary>A model's prices in USD per million tokens.</summary>
public sealed class PriceOptions
{
    public decimal InputPerMillion { get; set; }

    public decimal OutputPerMillion { get; set; }

    /// <summary>Price of cached prompt tokens; the input price when absent.</summary>
    public decimal? CachedInputPerMillion { get; set; }
}
