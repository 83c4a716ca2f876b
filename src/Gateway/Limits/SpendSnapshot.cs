namespace MassRouter.Gateway.Limits;

/// <summary>Spend in nano-dollars of one key and its account in the current UTC day and calendar month.</summary>
internal readonly record struct SpendSnapshot(long KeyDaily, long AccountDaily, long KeyMonthly, long AccountMonthly);
