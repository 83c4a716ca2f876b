using System.Net;
using MassRouter.Gateway.Resilience;

namespace MassRouter.Gateway.Tests.Resilience;

/// <summary>How long a provider asks to be left alone: its retry-after, or on a 429 without one, when the spent limit resets.</summary>
public class RetryPolicyTests
{
    [Theory]
    [InlineData("1s", 1_000)]
    [InlineData("6m0s", 360_000)]
    [InlineData("20ms", 20)]
    [InlineData("1m30.5s", 90_500)]
    [InlineData("2h", 7_200_000)]
    [InlineData("0s", 0)]
    public void OpenAIsResetDurations_AreRead(string text, double milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), RetryPolicy.ParseDuration(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("5")]
    [InlineData("1x")]
    [InlineData("s")]
    public void WhatIsNotADuration_IsNull(string text)
    {
        Assert.Null(RetryPolicy.ParseDuration(text));
    }

    [Fact]
    public void A429WithoutRetryAfter_WaitsForTheSpentLimitsReset()
    {
        using var requests = RateLimited(("x-ratelimit-remaining-requests", "0"), ("x-ratelimit-reset-requests", "1.5s"), ("x-ratelimit-remaining-tokens", "9000"), ("x-ratelimit-reset-tokens", "6m0s"));
        using var tokens = RateLimited(("x-ratelimit-remaining-requests", "59"), ("x-ratelimit-reset-requests", "1s"), ("x-ratelimit-remaining-tokens", "0"), ("x-ratelimit-reset-tokens", "20ms"));
        using var quota = RateLimited(("x-ratelimit-remaining-requests", "59"), ("x-ratelimit-reset-requests", "1s"));

        Assert.Equal(TimeSpan.FromSeconds(1.5), RetryPolicy.RetryAfter(requests));
        Assert.Equal(TimeSpan.FromMilliseconds(20), RetryPolicy.RetryAfter(tokens));
        Assert.Null(RetryPolicy.RetryAfter(quota));
    }

    [Fact]
    public void RetryAfter_WinsOverTheResets_AndOtherStatusesIgnoreThem()
    {
        using var both = RateLimited(("retry-after", "3"), ("x-ratelimit-remaining-requests", "0"), ("x-ratelimit-reset-requests", "1s"));
        using var serverError = new HttpResponseMessage(HttpStatusCode.InternalServerError);
        serverError.Headers.TryAddWithoutValidation("x-ratelimit-remaining-requests", "0");
        serverError.Headers.TryAddWithoutValidation("x-ratelimit-reset-requests", "1s");

        Assert.Equal(TimeSpan.FromSeconds(3), RetryPolicy.RetryAfter(both));
        Assert.Null(RetryPolicy.RetryAfter(serverError));
    }

    private static HttpResponseMessage RateLimited(params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }
}
