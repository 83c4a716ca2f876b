namespace MassRouter.ControlApi.Ledger;

/// <summary>One usage event of the ledger: a request (or a stream the client left, a swept or estimated charge) as billed.</summary>
/// <param name="RequestId">The gateway's <c>x-request-id</c> of the request (the client's own when it sent one).</param>
/// <param name="User">The end user the request was for, as the client named it; null when it named none.</param>
/// <param name="CostUsd">The cost in US dollars, exact (<paramref name="CostNanos"/> as a decimal string).</param>
/// <param name="Status"><c>ok</c>, <c>error</c>, <c>aborted</c> (the client left, or the gateway died mid-request) and the like.</param>
/// <param name="Estimated">True when the tokens are the gateway's estimate, not the provider's report.</param>
public sealed record UsageEventView(
    string EventId,
    string RequestId,
    string KeyId,
    string Model,
    string Provider,
    string? UpstreamModel,
    string? User,
    long PromptTokens,
    long CompletionTokens,
    long CachedTokens,
    long ReasoningTokens,
    long CostNanos,
    string CostUsd,
    string Status,
    long HttpStatus,
    long StartedAt,
    long EndedAt,
    long LatencyMs,
    long TtftMs,
    bool Estimated);
