namespace MassRouter.ControlApi.Ledger;

public sealed record UsageTotals(long Requests, long PromptTokens, long CompletionTokens, long CachedTokens, long CostNanos);
