namespace MassRouter.ControlApi.Ledger;

/// <summary>One group: a UTC day (<c>yyyy-MM-dd</c>), a model id, a key id or an end user (<c>""</c>: none named).</summary>
public sealed record UsageRow(string Key, long Requests, long PromptTokens, long CompletionTokens, long CachedTokens, long CostNanos);
