using System.Text;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Tests.OpenAI;

public class ChunkInspectorTests
{
    [Fact]
    public void UsageOnlyChunk_IsRecognised_WithDetails()
    {
        var usage = default(TokenUsage);
        var facts = ChunkInspector.Inspect(
            """{"id":"x","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":2}}}"""u8,
            ref usage);
        Assert.Equal(ChunkFacts.HasUsage, facts);
        Assert.Equal(new TokenUsage(10, 5, 4, 2) { IsKnown = true }, usage);
    }

    [Fact]
    public void RoleOnlyChunk_IsNotOutput_ContentChunkIs()
    {
        var usage = default(TokenUsage);
        Assert.Equal(ChunkFacts.HasChoices, ChunkInspector.Inspect("""{"choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null}}],"usage":null}"""u8, ref usage));
        Assert.Equal(ChunkFacts.HasChoices | ChunkFacts.HasOutput, ChunkInspector.Inspect("""{"choices":[{"index":0,"delta":{"content":"Hi"}}]}"""u8, ref usage));
        Assert.Equal(ChunkFacts.HasChoices | ChunkFacts.HasOutput, ChunkInspector.Inspect("""{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0}]}}]}"""u8, ref usage));
        Assert.False(usage.IsKnown);
    }

    [Fact]
    public void LegacyCompletionChunk_WithText_IsOutput_EmptyTextIsNot()
    {
        var usage = default(TokenUsage);
        Assert.Equal(
            ChunkFacts.HasChoices | ChunkFacts.HasOutput,
            ChunkInspector.Inspect("""{"id":"cmpl-1","object":"text_completion","created":1,"choices":[{"text":"Hi","index":0,"logprobs":null,"finish_reason":null}],"model":"m"}"""u8, ref usage));
        Assert.Equal(
            ChunkFacts.HasChoices | ChunkFacts.Finished,
            ChunkInspector.Inspect("""{"id":"cmpl-1","object":"text_completion","created":1,"choices":[{"text":"","index":0,"logprobs":null,"finish_reason":"stop"}],"model":"m"}"""u8, ref usage));
    }

    [Fact]
    public void TopLevelUsageNull_IsLocated()
    {
        var usage = default(TokenUsage);
        var json = """{"id":"c","choices":[{"index":0,"delta":{"usage":null}}], "usage" : null ,"x":1}"""u8;
        ChunkInspector.Inspect(json, ref usage, out var nullUsage);
        Assert.Equal("\"usage\" : null", Encoding.UTF8.GetString(json[nullUsage]));

        ChunkInspector.Inspect("""{"id":"c","usage":{"prompt_tokens":1}}"""u8, ref usage, out nullUsage);
        Assert.Equal(default, nullUsage);
        ChunkInspector.Inspect("""{"id":"c","x":{"usage":null}}"""u8, ref usage, out nullUsage);
        Assert.Equal(default, nullUsage);
    }

    [Fact]
    public void FinishChunkCarryingUsage_IsNotUsageOnly()
    {
        var usage = default(TokenUsage);
        var facts = ChunkInspector.Inspect("""{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"prompt_cache_hit_tokens":2}}"""u8, ref usage);
        Assert.Equal(ChunkFacts.HasChoices | ChunkFacts.HasUsage | ChunkFacts.Finished, facts);
        Assert.Equal(2, usage.CachedPromptTokens);
    }

    [Fact]
    public void NonStreamingCompletion_UsageIsRead()
    {
        var usage = default(TokenUsage);
        var json = File.ReadAllBytes(Fixtures.PathOf("openai/openai-chat-text.json"));
        var facts = ChunkInspector.Inspect(json, ref usage);
        Assert.True(facts.HasFlag(ChunkFacts.HasOutput));
        Assert.True(usage.IsKnown);
        Assert.True(usage.PromptTokens > 0 && usage.CompletionTokens > 0);
    }

    [Fact]
    public void ErrorChunk_AndGarbage_AreFlagged()
    {
        var usage = default(TokenUsage);
        Assert.True(ChunkInspector.Inspect("""{"error":{"message":"x"}}"""u8, ref usage).HasFlag(ChunkFacts.HasError));
        Assert.True(ChunkInspector.Inspect(Encoding.UTF8.GetBytes("{\"choices\":[tru"), ref usage).HasFlag(ChunkFacts.HasError));
    }
}
