using System.Net.Http.Headers;

namespace MassRouter.Gateway.Resilience;

/// <summary>Which upstream answers may be retried, and how long to wait before trying the same deployment again.</summary>
internal static class RetryPolicy
{
    /// <summary>Pseudo-status for "no answer: connection failed or closed before the first byte".</summary>
    public const int ConnectFailure = 0;

    /// <summary>Pseudo-status for "no answer in time" (first-byte or first-token timeout).</summary>
    public const int Timeout = -1;

    /// <summary>
    /// Statuses that say "not now" rather than "never": timeout, rate limit, server errors and Anthropic's 529 overloaded.
    /// 400, 401, 403, 404 and the like are the request's own fault and are returned at once.
    /// </summary>
    public static bool IsRetryable(int status) => status is 408 or 429 or 500 or 502 or 503 or 504 or 529;

    /// <summary>The provider's <c>retry-after</c> (seconds or HTTP date; also <c>retry-after-ms</c>), or null.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("retry-after-ms", out var milliseconds)
            && double.TryParse(milliseconds.FirstOrDefault(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ms)
            && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        return response.Headers.RetryAfter switch
        {
            RetryConditionHeaderValue { Delta: { } delta } => delta,
            RetryConditionHeaderValue { Date: { } date } => date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
            _ => null,
        };
    }

    /// <summary>Exponential backoff with full jitter for the <paramref name="retry"/>-th retry (1-based).</summary>
    public static TimeSpan Backoff(int retry, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        var ceiling = Math.Min(maxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, retry - 1)));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }
}
