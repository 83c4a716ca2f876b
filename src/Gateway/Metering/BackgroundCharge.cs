using MassRouter.Core.Money;
using MassRouter.Core.Usage;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// A background response (OpenAI's Responses API, <c>background: true</c>) to bill once its provider has finished it: who
/// pays, at the price of the deployment that took it, and what admission counted. Kept in Redis (JSON) until settled.
/// </summary>
/// <param name="ResponseId">The provider's response id (<c>resp_…</c>).</param>
/// <param name="EventId">The usage event's id, chosen at admission: settling twice charges once.</param>
/// <param name="PromptEstimate">The prompt tokens admission counted in the key's TPM window (and billed if the provider's
/// usage can never be read).</param>
/// <param name="StartedAt">When the request was admitted (Unix ms).</param>
/// <param name="User">The end user the request was for, when the client named one.</param>
internal sealed record BackgroundCharge(
    string ResponseId,
    string EventId,
    string RequestId,
    string KeyId,
    string Account,
    long KeyTpm,
    string Model,
    string Provider,
    string UpstreamModel,
    ModelPrice Price,
    long PromptEstimate,
    long StartedAt,
    string? User = null,
    string? EndUserField = null)
{
    /// <summary>
    /// The usage event that bills it: the provider's <paramref name="usage"/>, or (<paramref name="estimated"/>) the
    /// prompt estimate alone, as for a request cut short.
    /// </summary>
    public UsageEvent Bill(TokenUsage usage, bool estimated, string status, int httpStatus, long endedAt)
    {
        var prompt = estimated ? PromptEstimate : usage.PromptTokens;
        var completion = estimated ? 0 : usage.CompletionTokens;
        var cached = estimated ? 0 : usage.CachedPromptTokens;
        return new UsageEvent
        {
            Id = EventId,
            RequestId = RequestId,
            KeyId = KeyId,
            Account = Account,
            Model = Model,
            Provider = Provider,
            UpstreamModel = UpstreamModel,
            User = User,
            PromptTokens = prompt,
            CompletionTokens = completion,
            CachedTokens = cached,
            ReasoningTokens = estimated ? 0 : usage.ReasoningTokens,
            CostNanos = Price.Cost(prompt, completion, cached),
            Status = status,
            HttpStatus = httpStatus,
            StartedAt = StartedAt,
            EndedAt = endedAt,
            LatencyMs = endedAt - StartedAt,
            Estimated = estimated,
        };
    }
}
