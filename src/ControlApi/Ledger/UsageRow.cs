namespace MassRouter.ControlApi.Ledger;

/// <summary>One group: a UTC day (<c>yyyy-MM-dd</c>), a model id or a key id.</summary>
public sealed record UsageRow(string Key, long Requests, long PromptTokens, long CompletionTokens, long CachedTokens, long CostNanos);
