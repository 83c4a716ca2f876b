using System.Text.Json;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Anthropic;

namespace MassRouter.Gateway.Transforms.Tests.Ingress.Anthropic;

public class AnthropicResponseTranslatorTests
{
    [Fact]
    public void TextCompletion_BecomesATextMessage()
    {
        var (message, usage) = Translate("openai/openai-chat-text.json");
        using var recorded = JsonDocument.Parse(File.ReadAllBytes(Fixtures.PathOf("openai/openai-chat-text.json")));
        var recordedUsage = recorded.RootElement.GetProperty("usage");

        Assert.Equal("message", message.GetProperty("type").GetString());
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        // The model the provider answered with, as OpenAI's own clients see it.
        Assert.Equal(recorded.RootElement.GetProperty("model").GetString(), message.GetProperty("model").GetString());
        Assert.StartsWith("msg_", message.GetProperty("id").GetString(), StringComparison.Ordinal);
        var block = Assert.Single(message.GetProperty("content").EnumerateArray());
        Assert.Equal("text", block.GetProperty("type").GetString());
        Assert.Equal(recorded.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), block.GetProperty("text").GetString());
        Assert.Equal("end_turn", message.GetProperty("stop_reason").GetString());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("stop_sequence").ValueKind);
        Assert.Equal(recordedUsage.GetProperty("completion_tokens").GetInt64(), message.GetProperty("usage").GetProperty("output_tokens").GetInt64());
        Assert.Equal(recordedUsage.GetProperty("prompt_tokens").GetInt64(), usage.PromptTokens);
    }

    [Fact]
    public void ToolCallCompletion_BecomesToolUseWithInputObject()
    {
        var (message, _) = Translate("openai/openai-chat-tool-call-weather.response.json");

        var block = Assert.Single(message.GetProperty("content").EnumerateArray());
        Assert.Equal("tool_use", block.GetProperty("type").GetString());
        Assert.Equal("get_weather", block.GetProperty("name").GetString());
        Assert.Equal("Paris", block.GetProperty("input").GetProperty("city").GetString());
        Assert.Equal("tool_use", message.GetProperty("stop_reason").GetString());
    }

    [Fact]
    public void ReasoningToolCall_BecomesThinkingThenToolUse_WithCacheReadsApart()
    {
        var (message, usage) = Translate("deepseek/deepseek-reasoning-tool-call.json");

        var blocks = message.GetProperty("content").EnumerateArray().ToArray();
        Assert.Equal(["thinking", "tool_use"], blocks.Select(b => b.GetProperty("type").GetString()));
        Assert.StartsWith("The user is asking", blocks[0].GetProperty("thinking").GetString(), StringComparison.Ordinal);
        Assert.Equal("San Francisco", blocks[1].GetProperty("input").GetProperty("location").GetString());
        Assert.Equal(19, message.GetProperty("usage").GetProperty("input_tokens").GetInt64());
        Assert.Equal(320, message.GetProperty("usage").GetProperty("cache_read_input_tokens").GetInt64());
        Assert.Equal(92, message.GetProperty("usage").GetProperty("output_tokens").GetInt64());
        Assert.Equal(48, usage.ReasoningTokens);
    }

    [Theory]
    [InlineData("length", "max_tokens")]
    [InlineData("content_filter", "refusal")]
    [InlineData("stop", "end_turn")]
    public void FinishReason_IsMapped(string finish, string stop)
    {
        var completion = $$"""{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"{{finish}}"}]}""";
        using var output = new PooledBufferWriter();

        Assert.True(AnthropicResponseTranslator.TryTranslate(System.Text.Encoding.UTF8.GetBytes(completion), "m", output, out var usage));
        using var message = JsonDocument.Parse(output.WrittenMemory);
        Assert.Equal(stop, message.RootElement.GetProperty("stop_reason").GetString());
        Assert.False(usage.IsKnown);
    }

    [Fact]
    public void CompletionWithoutModel_NamesTheModelGiven()
    {
        using var output = new PooledBufferWriter();

        Assert.True(AnthropicResponseTranslator.TryTranslate("""{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"stop"}]}"""u8.ToArray(), "command-r", output, out _));
        using var message = JsonDocument.Parse(output.WrittenMemory);
        Assert.Equal("command-r", message.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public void NotACompletion_IsRejected()
    {
        using var output = new PooledBufferWriter();

        Assert.False(AnthropicResponseTranslator.TryTranslate("""{"object":"list"}"""u8.ToArray(), "m", output, out _));
    }

    private static (JsonElement Message, Usage.TokenUsage Usage) Translate(string fixture)
    {
        using var output = new PooledBufferWriter();
        Assert.True(AnthropicResponseTranslator.TryTranslate(File.ReadAllBytes(Fixtures.PathOf(fixture)), "claude-sim", output, out var usage));
        using var document = JsonDocument.Parse(output.WrittenMemory);
        return (document.RootElement.Clone(), usage);
    }
}
