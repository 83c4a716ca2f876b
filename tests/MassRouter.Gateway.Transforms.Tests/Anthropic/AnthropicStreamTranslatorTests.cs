using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Tests.Translation;

namespace MassRouter.Gateway.Transforms.Tests.Anthropic;

public class AnthropicStreamTranslatorTests
{
    private static readonly IChatCodec Anthropic = ChatCodecs.ForKind(ProviderKinds.Anthropic)!;

    private const string Start = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude\",\"usage\":{\"input_tokens\":10,\"cache_read_input_tokens\":5,\"output_tokens\":1}}}\n\n";
    private const string Text = "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n";

    [Fact]
    public void TruncatedStream_EndsWithErrorEvent()
    {
        var output = Codec.Stream(Anthropic, Start + Text);
        Assert.Contains("\"content\":\"Hi\"", output, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"upstream_truncated\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedJson_EndsWithErrorEvent_AndIgnoresTheRest()
    {
        var output = Codec.Stream(Anthropic, Start + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\n\n" + Text);
        Assert.Contains("\"code\":\"upstream_malformed\"", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\"content\":\"Hi\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorEventAfterContent_EndsTheStreamCleanly()
    {
        var output = Codec.Stream(Anthropic, Start + Text + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
        Assert.EndsWith("data: {\"error\":{\"message\":\"Overloaded\",\"type\":\"server_error\",\"param\":null,\"code\":\"overloaded\"}}\n\ndata: [DONE]\n\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Usage_CountsCacheReadsInPromptTokens_AndTakesFinalOutputTokens()
    {
        using var translator = Anthropic.CreateStreamTranslator(CodecFixtures.Context());
        StreamRunner.Run(translator, System.Text.Encoding.UTF8.GetBytes(Start + Text
            + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},\"usage\":{\"output_tokens\":42}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"));
        Assert.Equal(15, translator.Usage.PromptTokens);
        Assert.Equal(5, translator.Usage.CachedPromptTokens);
        Assert.Equal(42, translator.Usage.CompletionTokens);
        Assert.Null(translator.Failure);
    }

    [Fact]
    public void UsageChunk_OnlyWhenClientAskedForIt()
    {
        var sse = Start + Text + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},\"usage\":{\"output_tokens\":42}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        Assert.Contains("\"finish_reason\":\"length\"", Codec.Stream(Anthropic, sse, includeUsage: false), StringComparison.Ordinal);
        Assert.DoesNotContain("\"usage\"", Codec.Stream(Anthropic, sse, includeUsage: false), StringComparison.Ordinal);
        Assert.Contains("\"usage\"", Codec.Stream(Anthropic, sse, includeUsage: true), StringComparison.Ordinal);
    }

    [Fact]
    public void ParallelToolUse_GetsToolIndicesInOrder()
    {
        var sse = Start
            + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"a\",\"input\":{}}}\n\n"
            + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t2\",\"name\":\"b\",\"input\":{}}}\n\n"
            + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}\n\n";
        var output = Codec.Stream(Anthropic, sse);
        Assert.Contains("\"tool_calls\":[{\"index\":0,\"id\":\"t1\",\"type\":\"function\",\"function\":{\"name\":\"a\",\"arguments\":\"\"}}]", output, StringComparison.Ordinal);
        Assert.Contains("\"tool_calls\":[{\"index\":1,\"id\":\"t2\"", output, StringComparison.Ordinal);
        Assert.Contains("\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"{}\"}}]", output, StringComparison.Ordinal);
    }
}
