using System.Net;
using System.Text.Json.Nodes;

namespace MassRouter.Gateway.Tests.Forwarding;

/// <summary>
/// Asserts a response is an Anthropic-shaped error, <c>{"type":"error","error":{"type","message"}}</c>, carrying the
/// request id as both <c>x-request-id</c> and Anthropic's <c>request-id</c>.
/// </summary>
internal static class AnthropicErrorAssert
{
    /// <summary>Returns the error's message.</summary>
    public static async Task<string> IsErrorAsync(HttpResponseMessage response, HttpStatusCode status, string type = "invalid_request_error")
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        var body = JsonNode.Parse(text)!;
        Assert.Equal("error", body["type"]?.GetValue<string>());
        Assert.Equal(type, body["error"]?["type"]?.GetValue<string>());
        var message = body["error"]!["message"]!.GetValue<string>();
        Assert.False(string.IsNullOrWhiteSpace(message));

        var requestId = Assert.Single(response.Headers.GetValues("x-request-id"));
        Assert.False(string.IsNullOrWhiteSpace(requestId));
        Assert.Equal(requestId, Assert.Single(response.Headers.GetValues("request-id")));
        return message;
    }
}
