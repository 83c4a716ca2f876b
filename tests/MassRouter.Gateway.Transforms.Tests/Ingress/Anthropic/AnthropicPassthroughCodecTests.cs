using System.Text;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Anthropic;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Tests.Translation;

namespace MassRouter.Gateway.Transforms.Tests.Ingress.Anthropic;

public class AnthropicPassthroughCodecTests
{
    private static readonly TranslationContext Context = new("claude", 0, IncludeUsage: true);

    [Theory]
    [InlineData("anthropic/anthropic-stream-text-raw.sse")]
    [InlineData("anthropic/anthropic-stream-thinking-raw.sse")]
    public void RecordedStream_IsRelayedByteForByte_WithItsFinalUsage(string fixture)
    {
        var input = File.ReadAllBytes(Fixtures.PathOf(fixture));
        using var translator = AnthropicPassthroughCodec.Instance.CreateStreamTranslator(Context);

        var output = StreamRunner.Run(translator, input, [7, 1, 64, 3]);

        Assert.Equal(Encoding.UTF8.GetString(input), output);
        Assert.True(translator.IsFinished);
        Assert.Null(translator.Failure);
        Assert.True(translator.Usage.IsKnown);
        Assert.True(translator.Usage.PromptTokens > 0);
        Assert.True(translator.Usage.CompletionTokens > 1);
    }

    [Fact]
    public void RecordedErrorEvent_EndsTheStream_AsAFailure()
    {
        var input = File.ReadAllBytes(Fixtures.PathOf("anthropic/anthropic-stream-error-event-overloaded.sse"));
        using var translator = AnthropicPassthroughCodec.Instance.CreateStreamTranslator(Context);

        var output = StreamRunner.Run(translator, input);

        Assert.Equal(Encoding.UTF8.GetString(input), output);
        Assert.True(translator.IsFinished);
        Assert.NotNull(translator.Failure);
    }

    [Fact]
    public void StreamCutBeforeMessageStop_EndsWithAnErrorEvent()
    {
        var input = File.ReadAllBytes(Fixtures.PathOf("anthropic/anthropic-stream-text-raw.sse"));
        var cut = Encoding.UTF8.GetString(input);
        cut = cut[..cut.IndexOf("event: message_delta", StringComparison.Ordinal)];
        using var translator = AnthropicPassthroughCodec.Instance.CreateStreamTranslator(Context);

        var output = StreamRunner.Run(translator, Encoding.UTF8.GetBytes(cut));

        Assert.StartsWith(cut, output, StringComparison.Ordinal);
        Assert.EndsWith("}\n\n", output, StringComparison.Ordinal);
        Assert.Contains("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\"", output[cut.Length..], StringComparison.Ordinal);
        Assert.NotNull(translator.Failure);
    }

    [Fact]
    public void Request_KeepsTheClientsBody_WithTheUpstreamModel()
    {
        var body = """{"model":"public/claude","max_tokens":16,"top_k":5,"messages":[{"role":"user","content":"Hi"}]}"""u8.ToArray();
        using var output = new PooledBufferWriter();

        Assert.True(AnthropicPassthroughCodec.Instance.TryWriteRequest(body, default(ChatRequestInfo), "claude-upstream", output, out _));

        Assert.Equal(
            """{"model":"claude-upstream","max_tokens":16,"top_k":5,"messages":[{"role":"user","content":"Hi"}]}""",
            Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Theory]
    [InlineData("""{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""", true)]
    [InlineData("""{"error":{"message":"Bad","type":"invalid_request_error"}}""", false)]
    [InlineData("""{"type":"message","content":[]}""", false)]
    [InlineData("not json", false)]
    public void AnthropicErrorBodies_AreRecognised(string body, bool expected) =>
        Assert.Equal(expected, AnthropicErrorWriter.IsAnthropicError(Encoding.UTF8.GetBytes(body)));
}
