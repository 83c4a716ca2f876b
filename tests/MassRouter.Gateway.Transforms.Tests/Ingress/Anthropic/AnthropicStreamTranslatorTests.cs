using System.Text;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Anthropic;
using MassRouter.Tests.OpenAI;

namespace MassRouter.Gateway.Transforms.Tests.Ingress.Anthropic;

public class AnthropicStreamTranslatorTests
{
    /// <summary>Every recorded OpenAI-shaped stream of a single choice that ends normally.</summary>
    public static TheoryData<string> CompleteStreams =>
    [
        "openai/openai-chat-stream-text-include-usage-long.chunks.txt",
        "openai/openai-chat-stream-finish-length.sse",
        "openai/openai-chat-stream-logprobs.sse",
        "openai/openai-chat-stream-refusal-delta.sse",
        "openai/openai-chat-stream-parallel-tool-calls-include-usage.sse",
        "openai/openai-chat-stream-tool-call-arg-fragments-include-usage.sse",
        "openai/openai-chat-stream-two-tool-calls-arg-fragments.sse",
        "openai/openai-chat-stream-moderation-chunk-after-usage.sse",
        "openai/azure-openai-chat-stream-content-filter-usage.chunks.txt",
        "deepseek/deepseek-stream-thinking-raw.sse",
        "deepseek/deepseek-stream-reasoning-tool-call.chunks.txt",
        "mistral/mistral-stream-incremental-tool-call.chunks.txt",
        "mistral/mistral-stream-text-usage.chunks.txt",
        "mistral/mistral-stream-tool-call-single-chunk.chunks.txt",
        "groq/groq-stream-tool-call-x-groq-usage.chunks.txt",
        "openai-compatible/xai-chat-stream-reasoning-tool-call.chunks.txt",
    ];

    [Theory]
    [MemberData(nameof(CompleteStreams))]
    public void RecordedStream_BecomesAnAnthropicStreamWithTheSameContent(string fixture)
    {
        var upstream = OpenAIStreamLog.Load(fixture);
        var log = AnthropicEventLog.Read(Translate(upstream));

        Assert.Equal(upstream.Content.ToString(), log.Text.ToString());
        Assert.Equal(upstream.Reasoning.ToString(), log.Thinking.ToString());
        Assert.Equal(upstream.ToolCalls.Count, log.Tools.Count);
        foreach (var (call, tool) in upstream.ToolCalls.Values.Zip(log.Tools))
        {
            Assert.Equal(call.Id, tool.Id);
            Assert.Equal(call.Name, tool.Name);
            Assert.Equal(call.Arguments.ToString(), tool.Input.ToString());
        }

        Assert.Equal(upstream.AnthropicStopReason, log.StopReason);
        Assert.Equal("message_stop", log.Events[^1]);
        if (upstream.Usage is { } usage)
        {
            var cached = usage.TryGetProperty("prompt_tokens_details", out var details) && details.ValueKind == System.Text.Json.JsonValueKind.Object
                && details.TryGetProperty("cached_tokens", out var c) ? c.GetInt64() : 0;
            Assert.Equal(usage.GetProperty("prompt_tokens").GetInt64() - cached, log.Usage.GetProperty("input_tokens").GetInt64());
            Assert.Equal(cached, log.Usage.GetProperty("cache_read_input_tokens").GetInt64());
            Assert.Equal(usage.GetProperty("completion_tokens").GetInt64(), log.Usage.GetProperty("output_tokens").GetInt64());
        }
    }

    [Fact]
    public void ParallelToolCalls_BecomeSeparateToolUseBlocks_WithToolUseStopReason()
    {
        var log = AnthropicEventLog.Read(Translate(OpenAIStreamLog.Load("openai/openai-chat-stream-parallel-tool-calls-include-usage.sse")));

        Assert.Equal(2, log.Tools.Count);
        Assert.NotEqual(log.Tools[0].Id, log.Tools[1].Id);
        Assert.Equal("tool_use", log.StopReason);
    }

    [Fact]
    public void Refusal_StopsWithRefusal()
    {
        var log = AnthropicEventLog.Read(Translate(OpenAIStreamLog.Load("openai/openai-chat-stream-refusal-delta.sse")));

        Assert.Equal("refusal", log.StopReason);
        Assert.NotEmpty(log.Text.ToString());
    }

    [Fact]
    public void ErrorChunkMidStream_EndsWithAnErrorEvent()
    {
        var upstream = OpenAIStreamLog.Load("groq/groq-stream-reasoning-then-error-event-tool-use-failed.sse");
        var log = AnthropicEventLog.Read(Translate(upstream));

        Assert.Equal("error", log.Events[^1]);
        Assert.Equal("invalid_request_error", log.Error!.Value.GetProperty("type").GetString());
        Assert.StartsWith("Tool call validation failed", log.Error.Value.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.NotEmpty(log.Thinking.ToString());
    }

    [Fact]
    public void MalformedChunk_IsReported_AndFailEndsTheStream()
    {
        var translator = new AnthropicStreamTranslator("claude-sim");
        using var output = new PooledBufferWriter();
        Assert.True(translator.TranslateChunk("""{"id":"x","choices":[{"index":0,"delta":{"content":"Hi"}}]}"""u8, output));

        Assert.False(translator.TranslateChunk("""{"id":"x","choices":[{"ind"""u8, output));
        translator.Fail(output, "api_error", "Malformed upstream data.");
        translator.Complete(output);

        var log = AnthropicEventLog.Read(Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Equal(["message_start", "content_block_start", "content_block_delta", "error"], log.Events);
        Assert.True(translator.IsFinished);
        Assert.False(translator.SawFinish);
    }

    [Theory]
    [InlineData("""{"id":"x","model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":"Hi"}}]}""", "gpt-4o-2024-08-06")]
    [InlineData("""{"id":"x","choices":[{"index":0,"delta":{"content":"Hi"}}]}""", "claude-sim")]
    [InlineData("""{"id":"x","model":"","choices":[{"index":0,"delta":{"content":"Hi"}}]}""", "claude-sim")]
    public void MessageStart_NamesTheModelTheChunksName_OrTheOneGiven(string chunk, string model)
    {
        var translator = new AnthropicStreamTranslator("claude-sim");
        using var output = new PooledBufferWriter();
        translator.TranslateChunk(Encoding.UTF8.GetBytes(chunk), output);
        translator.Complete(output);

        var start = Encoding.UTF8.GetString(output.WrittenSpan).Split("\n\n")[0];
        using var data = JsonDocument.Parse(start[(start.IndexOf("data: ", StringComparison.Ordinal) + 6)..]);
        Assert.Equal(model, data.RootElement.GetProperty("message").GetProperty("model").GetString());
    }

    [Fact]
    public void EscapedText_IsCopiedAsJson()
    {
        var translator = new AnthropicStreamTranslator("claude-sim");
        using var output = new PooledBufferWriter();
        translator.TranslateChunk("""{"id":"x","choices":[{"index":0,"delta":{"content":"a \"q\" \u00e9\n"},"finish_reason":"stop"}]}"""u8, output);
        translator.Complete(output);

        Assert.Equal("a \"q\" é\n", AnthropicEventLog.Read(Encoding.UTF8.GetString(output.WrittenSpan)).Text.ToString());
    }

    [Fact]
    public void ContentDelta_AllocatesNothing()
    {
        var translator = new AnthropicStreamTranslator("claude-sim");
        using var output = new PooledBufferWriter(64 * 1024);
        var chunk = """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}]}"""u8.ToArray();
        translator.TranslateChunk(chunk, output);
        output.Clear();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            translator.TranslateChunk(chunk, output);
            output.Clear();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Feeds every chunk through one translator, ending it as the gateway does: Complete after the last chunk.</summary>
    private static string Translate(OpenAIStreamLog upstream)
    {
        var translator = new AnthropicStreamTranslator("claude-sim");
        using var output = new PooledBufferWriter();
        foreach (var chunk in upstream.Chunks)
        {
            Assert.True(translator.TranslateChunk(chunk, output));
        }

        translator.Complete(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
