namespace MassRouter.ControlApi.Ledger;

/// <summary>An account's working balance (null when Redis has no record) and the cost of each event still in its outbox.</summary>
internal sealed record OutboxSnapshot(long? WorkingBalanceNanos, IReadOnlyDictionary<string, long> PendingCosts);
