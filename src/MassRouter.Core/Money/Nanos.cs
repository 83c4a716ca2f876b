namespace MassRouter.Core.Money;

/// <summary>Money as integer nano-dollars (1e-9 USD); prices are decimal USD per million tokens.</summary>
public static class Nanos
{
    /// <summary>Nano-dollars in one US dollar.</summary>
    public const long PerDollar = 1_000_000_000;

    /// <summary>Converts dollars to nano-dollars, rounding half away from zero once.</summary>
    public static long FromDollars(decimal dollars) => (long)decimal.Round(dollars * PerDollar, MidpointRounding.AwayFromZero);

    /// <summary>Converts nano-dollars to dollars (exact).</summary>
    public static decimal ToDollars(long nanos) => (decimal)nanos / PerDollar;

    /// <summary>Dollars as people read them: at least two decimals, up to the nano-dollar (<c>4.9999859</c>, <c>5.00</c>).</summary>
    public static string FormatDollars(long nanos) => ToDollars(nanos).ToString("0.00########", System.Globalization.CultureInfo.InvariantCulture);
}
