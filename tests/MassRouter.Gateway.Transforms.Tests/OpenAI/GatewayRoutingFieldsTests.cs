using System.Text;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;

namespace MassRouter.Gateway.Transforms.Tests.OpenAI;

public class GatewayRoutingFieldsTests
{
    [Theory]
    [InlineData("""{"model":"m","models":["a","b"],"messages":[]}""", """{"model":"m","messages":[]}""")]
    [InlineData("""{"models":["a"],"model":"m","messages":[]}""", """{"model":"m","messages":[]}""")]
    [InlineData("""{"model":"m","messages":[],"models":["a"],"provider":{"order":["x"]}}""", """{"model":"m","messages":[]}""")]
    [InlineData("""{"models":["a"] , "provider":{"only":["x"]},"model":"m"}""", """{ "model":"m"}""")]
    [InlineData("""{"models":[],"provider":{},"model":"m"}""", """{"model":"m"}""")]
    [InlineData("""{"model":"m", "provider" : {"sort":"latency"} ,"stream":true}""", """{"model":"m" ,"stream":true}""")]
    [InlineData("""{"model":"m","models":null}""", """{"model":"m"}""")]
    public void ChatRequest_LosesItsRoutingFields_LeavingValidJson(string input, string expected)
    {
        var info = Parse(input);
        using var output = new PooledBufferWriter(16);

        GatewayRoutingFields.Remove(Encoding.UTF8.GetBytes(input), info.GatewayProperties, output);

        var text = Encoding.UTF8.GetString(output.WrittenSpan);
        Assert.Equal(expected, text);
        Assert.NotNull(JsonNode.Parse(text));
    }

    [Fact]
    public void RemovedChatRequest_IsReparsed_KeepingTheFallbacksAndPreferences()
    {
        const string body = """{"provider":{"sort":"price"},"model":"m","stream":true,"stream_options":{"include_usage":false},"models":["b"]}""";
        var info = Parse(body);
        using var output = new PooledBufferWriter(16);

        var forwarded = GatewayRoutingFields.Remove(Encoding.UTF8.GetBytes(body), info, output);

        Assert.False(forwarded.GatewayProperties.Any);
        Assert.Equal(["b"], forwarded.FallbackModels!);
        Assert.Equal("price", forwarded.Provider!.Sort);

        // The offsets are the new body's: the rewrite that follows for a passthrough deployment lands where it should.
        using var rewritten = new PooledBufferWriter(16);
        ChatRequestRewriter.Rewrite(output.WrittenSpan, forwarded, "u", rewritten);
        Assert.Equal("""{"model":"u","stream":true,"stream_options":{"include_usage":true}}""", Encoding.UTF8.GetString(rewritten.WrittenSpan));
    }

    [Theory]
    [InlineData("""{"model":"m","models":["a"],"models":["b"]}""", "models")]
    [InlineData("""{"model":"m","provider":{},"messages":[],"provider":{"sort":"price"}}""", "provider")]
    public void RepeatedRoutingField_IsRejected(string body, string param)
    {
        Assert.False(ChatRequestParser.TryParse(Encoding.UTF8.GetBytes(body), out _, out var error));
        Assert.Equal(param, error.Param);
    }

    [Fact]
    public void AnthropicRequest_RoutingFieldsAreReadAndRemoved()
    {
        var body = Encoding.UTF8.GetBytes("""{"model":"m","max_tokens":16,"models":["b","c"],"messages":[],"provider":{"ignore":["x"]},"top_k":5}""");

        Assert.True(GatewayRoutingFields.TryRead(body, out var models, out var provider, out var ranges, out var error), error.Message);
        using var output = new PooledBufferWriter(16);
        GatewayRoutingFields.Remove(body, ranges, output);

        Assert.Equal(["b", "c"], models!);
        Assert.Equal(["x"], provider!.Ignore);
        Assert.Equal("""{"model":"m","max_tokens":16,"messages":[],"top_k":5}""", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Theory]
    [InlineData("""{"model":"m","models":"b"}""", "models", "models: Input should be a valid list")]
    [InlineData("""{"model":"m","models":["a",5]}""", "models[1]", "models.1: Input should be a valid string")]
    [InlineData("""{"model":"m","provider":"x"}""", "provider", "provider: Input should be a valid dictionary")]
    [InlineData("""{"model":"m","provider":{"order":{}}}""", "provider.order", "provider.order: Input should be a valid list")]
    [InlineData("""{"model":"m","provider":{"only":["a",[]]}}""", "provider.only[1]", "provider.only.1: Input should be a valid string")]
    [InlineData("""{"model":"m","provider":{"allow_fallbacks":"no"}}""", "provider.allow_fallbacks", "provider.allow_fallbacks: Input should be a valid boolean")]
    [InlineData("""{"model":"m","provider":{"sort":"cheapest"}}""", "provider.sort", "provider.sort: Input should be 'price', 'latency' or 'throughput'")]
    [InlineData("""{"model":"m","models":["a"],"models":["b"]}""", "models", "models: Field given more than once")]
    public void AnthropicRequest_BadRoutingFields_AreRejected_InAnthropicWords(string body, string param, string message)
    {
        Assert.False(GatewayRoutingFields.TryRead(Encoding.UTF8.GetBytes(body), out _, out _, out _, out var error));
        Assert.Equal((param, message), (error.Param, error.Message));
    }

    [Fact]
    public void AnthropicRequest_ThatIsNotAnObject_IsRejectedAsSuch()
    {
        Assert.False(GatewayRoutingFields.TryRead("[1]"u8, out _, out _, out _, out var error));
        Assert.Equal("The request body must be a JSON object.", error.Message);
    }

    private static ChatRequestInfo Parse(string body)
    {
        Assert.True(ChatRequestParser.TryParse(Encoding.UTF8.GetBytes(body), out var info, out var error), error.Message);
        return info;
    }
}
