using System.Net;

namespace MassRouter.Simulator.Tests.Infrastructure;

/// <summary>Checks a refusal in OpenAI's shape: a 400 whose <c>invalid_request_error</c> has the message (its start), param and code given.</summary>
internal static class OpenAIInvalidRequest
{
    public static async Task AssertAsync(HttpResponseMessage response, string message, string? param, string? code)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = SseEvents.Json(await response.Content.ReadAsStringAsync()).GetProperty("error");
        Assert.StartsWith(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
    }
}
