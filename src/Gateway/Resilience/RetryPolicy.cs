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

    /// <summary>
    /// The provider's <c>retry-after</c> (seconds or HTTP date; also <c>retry-after-ms</c>), or, on a 429 without one, when
    /// the exhausted limit resets by OpenAI's <c>x-ratelimit-reset-requests</c> / <c>-tokens</c>; null when it does not say.
    /// </summary>
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
            _ => response.StatusCode == System.Net.HttpStatusCode.TooManyRequests ? RateLimitReset(response.Headers) : null,
        };
    }

    /// <summary>
    /// When the limit a 429 is about resets, by OpenAI's headers (Groq and others send them too): the requests limit's
    /// <c>x-ratelimit-reset-requests</c> when <c>x-ratelimit-remaining-requests</c> is 0, else the tokens limit's when its
    /// remaining is 0; null when neither is spent (a 429 for another reason, such as an exhausted quota).
    /// </summary>
    private static TimeSpan? RateLimitReset(HttpResponseHeaders headers)
    {
        foreach (var limit in (ReadOnlySpan<string>)["requests", "tokens"])
        {
            if (headers.TryGetValues("x-ratelimit-remaining-" + limit, out var remaining) && remaining.FirstOrDefault()?.Trim() == "0"
                && headers.TryGetValues("x-ratelimit-reset-" + limit, out var reset) && ParseDuration(reset.FirstOrDefault()) is { } wait)
            {
                return wait;
            }
        }

        return null;
    }

    /// <summary>A Go-style duration as OpenAI writes its resets (<c>1s</c>, <c>6m0s</c>, <c>20ms</c>, <c>1m30.5s</c>, <c>2h</c>); null when it is not one.</summary>
    public static TimeSpan? ParseDuration(string? text)
    {
        var rest = text.AsSpan().Trim();
        if (rest.IsEmpty)
        {
            return null;
        }

        var total = 0.0;
        while (!rest.IsEmpty)
        {
            var digits = 0;
            while (digits < rest.Length && (char.IsAsciiDigit(rest[digits]) || rest[digits] == '.'))
            {
                digits++;
            }

            if (digits == 0 || !double.TryParse(rest[..digits], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value))
            {
                return null;
            }

            rest = rest[digits..];
            var unit = 0;
            while (unit < rest.Length && char.IsAsciiLetter(rest[unit]))
            {
                unit++;
            }

            double? seconds = rest[..unit] switch
            {
                "h" => 3600,
                "m" => 60,
                "s" => 1,
                "ms" => 1e-3,
                "us" => 1e-6,
                "ns" => 1e-9,
                _ => null,
            };
            if (seconds is not { } scale)
            {
                return null;
            }

            total += value * scale;
            rest = rest[unit..];
        }

        return TimeSpan.FromSeconds(total);
    }

    /// <summary>Exponential backoff with full jitter for the <paramref name="retry"/>-th retry (1-based).</summary>
    public static TimeSpan Backoff(int retry, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        var ceiling = Math.Min(maxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, retry - 1)));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
    }
}
