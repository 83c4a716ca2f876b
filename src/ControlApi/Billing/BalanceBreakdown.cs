namespace MassRouter.ControlApi.Billing;

/// <summary>The three sums an account's balance is made of.</summary>
internal sealed class BalanceBreakdown
{
    public long Payments { get; set; }

    public long Adjustments { get; set; }

    public long Usage { get; set; }

    public long Balance => Payments + Adjustments - Usage;
}
