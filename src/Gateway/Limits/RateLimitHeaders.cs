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

        var time = TimeSpan.FromMilliseconds(ms);
        var seconds = (time.Seconds + (time.Milliseconds / 1000m)).ToString("0.###", CultureInfo.InvariantCulture) + "s";
        if (time.TotalMinutes < 1)
        {
            return seconds;
        }

        var minutes = time.Minutes.ToString(CultureInfo.InvariantCulture) + "m";
        return time.TotalHours < 1 ? minutes + seconds : ((long)time.TotalHours).ToString(CultureInfo.InvariantCulture) + "h" + minutes + seconds;
    }
}
