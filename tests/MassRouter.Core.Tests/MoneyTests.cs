using MassRouter.Core.Money;

namespace MassRouter.Core.Tests;

public class MoneyTests
{
    [Fact]
    public void Cost_IsExactInNanoDollars()
    {
        // 1,234 prompt tokens at $0.15/M + 567 completion tokens at $0.60/M = $0.0001851 + $0.0003402.
        var price = new ModelPrice(0.15m, 0.60m);
        Assert.Equal(185_100 + 340_200, price.Cost(1_234, 567));
    }

    [Fact]
    public void Cost_BillsCachedPromptTokensAtTheCachedPrice()
    {
        var price = new ModelPrice(2.50m, 10m, CachedInputPerMillion: 1.25m);
        // 400 uncached × $2.50/M + 600 cached × $1.25/M = $0.00175.
        Assert.Equal(1_750_000, price.Cost(1_000, 0, cachedTokens: 600));
    }

    [Fact]
    public void Cost_RoundsOnceHalfAwayFromZero()
    {
        // 1 token at $0.0005/M is 0.5 nano-dollar: rounded once, up to 1; 0.4 rounds down to 0.
        Assert.Equal(1, new ModelPrice(0.0005m, 0m).Cost(1, 0));
        Assert.Equal(0, new ModelPrice(0.0004m, 0m).Cost(1, 0));
    }

    [Fact]
    public void Nanos_RoundTripDollars() => Assert.Equal(12.345678901m, Nanos.ToDollars(Nanos.FromDollars(12.345678901m)));
}
