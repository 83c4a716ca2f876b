using System.Text;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;

namespace MassRouter.Gateway.Transforms.Tests.OpenAI;

public class ChatRequestRewriterTests
{
    [Fact]
    public void NonStreaming_SameModel_NeedsNoRewrite()
    {
        var info = Parse("""{"model":"gpt-4o","messages":[]}""");
        Assert.False(ChatRequestRewriter.NeedsRewrite(info, "gpt-4o"));
    }

    [Fact]
    public void ModelIsReplaced_EverythingElseByteForByte()
    {
        const string body = """{ "messages" : [ {"role":"user","content":"hi \"there\""} ],  "model" : "public/x", "temperature":0.2 }""";
        var output = Rewrite(body, "upstream-x");
        Assert.Equal(body.Replace("\"public/x\"", "\"upstream-x\"", StringComparison.Ordinal), output);
    }

    [Fact]
    public void Streaming_WithoutStreamOptions_InsertsIncludeUsage()
    {
        var output = Rewrite("""{"model":"m","stream":true,"messages":[]}""", "m");
        Assert.Equal("""{"stream_options":{"include_usage":true},"model":"m","stream":true,"messages":[]}""", output);
        Assert.True(Parse(output).ClientRequestedUsage);
    }

    [Theory]
    [InlineData("""{"model":"m","stream":true,"stream_options":null}""", """{"model":"u","stream":true,"stream_options":{"include_usage":true}}""")]
    [InlineData("""{"stream_options":{},"model":"m","stream":true}""", """{"stream_options":{"include_usage":true},"model":"u","stream":true}""")]
    [InlineData("""{"model":"m","stream":true,"stream_options":{"include_usage":false}}""", """{"model":"u","stream":true,"stream_options":{"include_usage":true}}""")]
    [InlineData("""{"model":"m","stream":true,"stream_options":{"continuous_usage_stats":true}}""", """{"model":"u","stream":true,"stream_options":{"include_usage":true,"continuous_usage_stats":true}}""")]
    public void Streaming_StreamOptionsVariants_AllEndWithIncludeUsage(string input, string expected)
    {
        Assert.Equal(expected, Rewrite(input, "u"));
    }

    [Fact]
    public void Streaming_ClientAskedForUsage_IsLeftAlone()
    {
        var info = Parse("""{"model":"m","stream":true,"stream_options":{"include_usage":true}}""");
        Assert.True(info.ClientRequestedUsage);
        Assert.False(ChatRequestRewriter.NeedsRewrite(info, "m"));
    }

    [Fact]
    public void ProviderPreferences_AreRead()
    {
        var info = Parse("""{"model":"m","models":["b","c"],"provider":{"order":["p1","p2"],"allow_fallbacks":false,"ignore":["p3"],"only":["p1","p2"],"sort":"price","data_collection":"deny"}}""");
        Assert.Equal(["b", "c"], info.FallbackModels!);
        Assert.Equal(["p1", "p2"], info.Provider!.Order);
        Assert.False(info.Provider.AllowFallbacks);
        Assert.Equal(["p3"], info.Provider.Ignore);
        Assert.Equal(["p1", "p2"], info.Provider.Only);
        Assert.Equal("price", info.Provider.Sort);
    }

    [Theory]
    [InlineData("""{"model":"m","models":"b"}""", "models")]
    [InlineData("""{"model":"m","provider":[]}""", "provider")]
    [InlineData("""{"model":"m","provider":{"sort":"cheapest"}}""", "provider.sort")]
    public void BadRoutingPreferences_AreRejected(string body, string param)
    {
        Assert.False(ChatRequestParser.TryParse(Encoding.UTF8.GetBytes(body), out _, out var error));
        Assert.Equal(param, error.Param);
    }

    [Fact]
    public void UpstreamModelNeedingEscapes_IsValidJson()
    {
        var output = Rewrite("""{"model":"m"}""", "we\"ird\\mödel");
        Assert.Equal("we\"ird\\mödel", JsonNode.Parse(output)!["model"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{", "invalid_json")]
    [InlineData("[]", "invalid_request_body")]
    [InlineData("""{"messages":[]}""", "missing_required_parameter")]
    [InlineData("""{"model":42}""", "invalid_type")]
    [InlineData("""{"model":"m","stream":"yes"}""", "invalid_type")]
    [InlineData("""{"model":"m"} x""", "invalid_json")]
    [InlineData("""{"model":"m",}""", "invalid_json")]
    public void BadBodies_AreRejectedWithACode(string body, string code)
    {
        Assert.False(ChatRequestParser.TryParse(Encoding.UTF8.GetBytes(body), out _, out var error));
        Assert.Equal(code, error.Code);
        Assert.False(string.IsNullOrEmpty(error.Message));
    }

    [Fact]
    public void MaxTokens_IsRead()
    {
        Assert.Equal(77, Parse("""{"model":"m","max_completion_tokens":77}""").MaxTokens);
        Assert.Equal(12, Parse("""{"model":"m","max_tokens":12}""").MaxTokens);
    }

    private static ChatRequestInfo Parse(string body)
    {
        Assert.True(ChatRequestParser.TryParse(Encoding.UTF8.GetBytes(body), out var info, out var error), error.Message);
        return info;
    }

    private static string Rewrite(string body, string upstreamModel)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var info = Parse(body);
        using var output = new PooledBufferWriter(16);
        ChatRequestRewriter.Rewrite(bytes, info, upstreamModel, output);
        var text = Encoding.UTF8.GetString(output.WrittenSpan);
        Assert.NotNull(JsonNode.Parse(text));
        return text;
    }
}
