namespace MassRouter.ControlApi.Billing;

/// <summary>
/// An account's money: <c>BalanceNanos</c> = payments + adjustments − usage (the ledger, the source of truth);
/// <c>WorkingBalanceNanos</c> is what the gateways charge against in Redis (ahead of the ledger by unflushed usage).
/// </summary>
public sealed record BalanceView(string Account, long PaymentsNanos, long AdjustmentsNanos, long UsageNanos, long BalanceNanos, long? WorkingBalanceNanos, string BalanceUsd);

/// <summary>A top-up of <c>AmountUsd</c> dollars for the caller, or for a team (team admin or owner).</summary>
public sealed record TopUpRequest(decimal? AmountUsd, long? TeamId);

public sealed record PaymentView(long Id, string Account, long UserId, long AmountNanos, string Provider, string ExternalId, string Status, long CreatedAt);

/// <summary>An admin credit (positive) or debit (negative) with a mandatory reason.</summary>
public sealed record AdjustmentRequest(string? Account, long? AmountNanos, string? Reason);

public sealed record AdjustmentView(long Id, string Account, long AmountNanos, string Reason, long AdminUserId, long CreatedAt);

/// <summary>
/// Ledger versus Redis for one account: <c>DriftNanos</c> = working − (ledger − pending), where pending is usage
/// already charged in Redis but still waiting in the outbox. Zero when the two agree.
/// </summary>
public sealed record ReconciliationRow(string Account, long LedgerBalanceNanos, long? WorkingBalanceNanos, long PendingUsageNanos, long DriftNanos);

/// <summary>A page of accounts, and how many of them drift.</summary>
public sealed record ReconciliationReport(Storage.Page<ReconciliationRow> Accounts, int DriftingOnPage);
