namespace MassRouter.ControlApi.Billing;

/// <summary>
/// An account's money: <c>BalanceNanos</c> = payments + adjustments − usage (the ledger, the source of truth);
/// <c>WorkingBalanceNanos</c> is what the gateways charge against in Redis (ahead of the ledger by unflushed usage).
/// </summary>
public sealed record BalanceView(string Account, long PaymentsNanos, long AdjustmentsNanos, long UsageNanos, long BalanceNanos, long? WorkingBalanceNanos, string BalanceUsd);
