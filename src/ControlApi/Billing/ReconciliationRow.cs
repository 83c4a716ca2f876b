namespace MassRouter.ControlApi.Billing;

/// <summary>
/// Ledger versus Redis for one account: <c>DriftNanos</c> = working − (ledger − pending), where pending is usage
/// already charged in Redis but still waiting in the outbox. Zero when the two agree.
/// </summary>
public sealed record ReconciliationRow(string Account, long LedgerBalanceNanos, long? WorkingBalanceNanos, long PendingUsageNanos, long DriftNanos);
