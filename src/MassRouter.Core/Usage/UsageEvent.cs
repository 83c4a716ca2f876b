namespace MassRouter.Core.Usage;

/// <summary>One settled request, as pushed onto an account's outbox and stored in the ledger (JSON, camelCase).</summary>
public sealed record UsageEvent
{
    public required string Id { get; init; }
    public required string RequestId { get; init; }
    public required string KeyId { get; init; }
    public required string Account { get; init; }
    public required string Model { get; init; }
    public required string Provider { get; init; }
    public string? UpstreamModel { get; init; }

    /// <summary>The end user the request was for, as the client named it (OpenAI's <c>user</c> or <c>safety_identifier</c>, Anthropic's <c>metadata.user_id</c>, the gateway's <c>x-massrouter-user</c> header); null when none.</summary>
    public string? User { get; init; }
    public long PromptTokens { get; init; }
    public long CompletionTokens { get; init; }
    public long CachedTokens { get; init; }
    public long ReasoningTokens { get; init; }
    public long CostNanos { get; init; }

    /// <summary><see cref="UsageStatus"/> value.</summary>
    public required string Status { get; init; }
    public int HttpStatus { get; init; }
    public long StartedAt { get; init; }
    public long EndedAt { get; init; }
    public long LatencyMs { get; init; }
    public long TtftMs { get; init; }
    public bool Estimated { get; init; }
}

/// <summary>Values of <see cref="UsageEvent.Status"/>.</summary>
public static class UsageStatus
{
    public const string Ok = "ok";
    public const string Aborted = "aborted";
    public const string Error = "error";
}
