namespace MassRouter.Gateway.Limits;

/// <summary>The binding request and token limits after admission, for the <c>x-ratelimit-*</c> headers (0 = none).</summary>
internal readonly record struct RateLimitState(
    long RequestLimit,
    long RequestsRemaining,
    long RequestsResetMs,
    long TokenLimit,
    long TokensRemaining,
    long TokensResetMs);
