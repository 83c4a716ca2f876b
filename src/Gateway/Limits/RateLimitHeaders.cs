using System.Globalization;

namespace MassRouter.Gateway.Limits;

/// <summary>The <c>x-ratelimit-*</c> and <c>retry-after</c> headers, formatted as OpenAI sends them.</summary>
internal static class RateLimitHeaders
{
    public static void Write(HttpResponse response, in RateLimitState state)
    {
        var headers = response.Headers;
        if (state.RequestLimit > 0)
        {
            headers["x-ratelimit-limit-requests"] = state.RequestLimit.ToString(CultureInfo.InvariantCulture);
            headers["x-ratelimit-remaining-requests"] = state.RequestsRemaining.ToString(CultureInfo.InvariantCulture);
            headers["x-ratelimit-reset-requests"] = FormatDuration(state.RequestsResetMs);
        }

        if (state.TokenLimit > 0)
        {
            headers["x-ratelimit-limit-tokens"] = state.TokenLimit.ToString(CultureInfo.InvariantCulture);
            headers["x-ratelimit-remaining-tokens"] = state.TokensRemaining.ToString(CultureInfo.InvariantCulture);
            headers["x-ratelimit-reset-tokens"] = FormatDuration(state.TokensResetMs);
        }
    }

    /// <summary><c>retry-after</c> in whole seconds (rounded up) and <c>retry-after-ms</c>, which the OpenAI SDKs prefer.</summary>
    public static void WriteRetryAfter(HttpResponse response, TimeSpan after)
    {
        var ms = Math.Max(0, (long)Math.Ceiling(after.TotalMilliseconds));
        response.Headers.RetryAfter = ((ms + 999) / 1000).ToString(CultureInfo.InvariantCulture);
        response.Headers["retry-after-ms"] = ms.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>OpenAI's duration style: <c>20ms</c>, <c>1s</c>, <c>6.5s</c>, <c>1m30s</c>, <c>2h0m0s</c>.</summary>
    public static string FormatDuration(long ms)
    {
        if (ms <= 0)
        {
            return "0s";
        }

        if (ms < 1000)
        {
            return ms.ToString(CultureInfo.InvariantCulture) + "ms";
        }

        // Integer arithmetic only: this runs twice per admitted request (decimal formatting cost ~0.5 µs each).
        var millis = ms % 1000;
        var totalSeconds = ms / 1000;
        var seconds = totalSeconds % 60;
        var totalMinutes = totalSeconds / 60;
        Span<char> fraction = stackalloc char[4];
        var fractionLength = 0;
        if (millis > 0)
        {
            // ".5", ".05", ".005": three digits with the trailing zeros left out.
            fraction[0] = '.';
            fraction[1] = (char)('0' + (millis / 100));
            fraction[2] = (char)('0' + (millis / 10 % 10));
            fraction[3] = (char)('0' + (millis % 10));
            fractionLength = fraction[3] != '0' ? 4 : fraction[2] != '0' ? 3 : 2;
        }

        ReadOnlySpan<char> fractionText = fraction[..fractionLength];
        if (totalMinutes == 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{seconds}{fractionText}s");
        }

        return totalMinutes < 60
            ? string.Create(CultureInfo.InvariantCulture, $"{totalMinutes}m{seconds}{fractionText}s")
            : string.Create(CultureInfo.InvariantCulture, $"{totalMinutes / 60}h{totalMinutes % 60}m{seconds}{fractionText}s");
    }
}
