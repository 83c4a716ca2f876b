using System.Text.Json;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Anthropic;

namespace MassRouter.Gateway.Transforms.Tests.Ingress.Anthropic;

public class AnthropicErrorWriterTests
{
    [Theory]
    [InlineData("openai/openai-chat-error-400-invalid-request.response.json", 400, "invalid_request_error")]
    [InlineData("openai/openai-chat-error-404-model-not-found.response.json", 404, "not_found_error")]
    [InlineData("openai-compatible/openrouter-error-429.response.json", 429, "rate_limit_error")]
    public void RecordedOpenAIError_KeepsItsMessage_WithTheAnthropicType(string fixture, int status, string type)
    {
        var body = File.ReadAllBytes(Fixtures.PathOf(fixture));
        using var output = new PooledBufferWriter();

        AnthropicErrorWriter.TranslateOpenAIError(status, body, output);

        using var translated = JsonDocument.Parse(output.WrittenMemory);
        using var recorded = JsonDocument.Parse(body);
        Assert.Equal("error", translated.RootElement.GetProperty("type").GetString());
        Assert.Equal(type, translated.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(
            recorded.RootElement.GetProperty("error").GetProperty("message").GetString(),
            translated.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData(401, "authentication_error")]
    [InlineData(403, "permission_error")]
    [InlineData(413, "request_too_large")]
    [InlineData(500, "api_error")]
    [InlineData(502, "api_error")]
    [InlineData(503, "overloaded_error")]
    [InlineData(529, "overloaded_error")]
    public void Status_MapsToAnthropicType(int status, string type) =>
        Assert.Equal(type, AnthropicErrorWriter.TypeForStatus(status));

    [Fact]
    public void BodyWithoutMessage_GetsOneNamingTheStatus()
    {
        using var output = new PooledBufferWriter();

        AnthropicErrorWriter.TranslateOpenAIError(502, "<html>Bad gateway</html>"u8, output);

        using var translated = JsonDocument.Parse(output.WrittenMemory);
        Assert.Equal("Upstream provider returned HTTP 502.", translated.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public void ErrorEvent_IsOneSseEvent()
    {
        using var output = new PooledBufferWriter();

        AnthropicErrorWriter.WriteEvent(output, "overloaded_error", "Overloaded");

        Assert.Equal("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n", System.Text.Encoding.UTF8.GetString(output.WrittenSpan));
    }
}
