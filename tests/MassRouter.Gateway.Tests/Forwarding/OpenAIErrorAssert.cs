using System.Net;
using System.Text.Json.Nodes;

namespace MassRouter.Gateway.Tests.Forwarding;

/// <summary>Asserts a response is an OpenAI-shaped error: <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal static class OpenAIErrorAssert
{
    public static async Task<JsonObject> IsErrorAsync(HttpResponseMessage response, HttpStatusCode status, string? code = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        var error = JsonNode.Parse(text)!["error"]!.AsObject();
        Assert.False(string.IsNullOrWhiteSpace(error["message"]!.GetValue<string>()));
        Assert.False(string.IsNullOrWhiteSpace(error["type"]?.GetValue<string>()));
        Assert.True(error.ContainsKey("param"));
        Assert.True(error.ContainsKey("code"));
        if (code is not null)
        {
            Assert.Equal(code, error["code"]?.GetValue<string>());
        }

        return error;
    }
}
