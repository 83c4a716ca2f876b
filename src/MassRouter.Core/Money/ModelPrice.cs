namespace MassRouter.Core.Money;

/// <summary>A model's prices in USD per million tokens.</summary>
public sealed record ModelPrice(decimal InputPerMillion, decimal OutputPerMillion, decimal? CachedInputPerMillion = null)
{
    /// <summary>A free model.</summary>
    public static readonly ModelPrice Free = new(0m, 0m);

    /// <summary>
    /// The cost of one request in nano-dollars, computed in decimal and rounded once. Cached prompt tokens are part of
    /// <paramref name="promptTokens"/> (as OpenAI reports them) and are billed at the cached price when there is one.
    /// </summary>
    public long Cost(long promptTokens, long completionTokens, long cachedTokens = 0)
    {
        var cached = Math.Clamp(cachedTokens, 0, Math.Max(0, promptTokens));
        var uncached = Math.Max(0, promptTokens) - cached;
        var dollars = ((uncached * InputPerMillion)
            + (cached * (CachedInputPerMillion ?? InputPerMillion))
            + (Math.Max(0, completionTokens) * OutputPerMillion)) / 1_000_000m;
        return Nanos.FromDollars(dollars);
    }
}
