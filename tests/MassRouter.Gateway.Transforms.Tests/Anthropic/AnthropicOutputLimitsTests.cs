using MassRouter.Gateway.Transforms.Anthropic;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Tests.Translation;

namespace MassRouter.Gateway.Transforms.Tests.Anthropic;

public class AnthropicOutputLimitsTests
{
    private static readonly IChatCodec Anthropic = ChatCodecs.ForKind(ProviderKinds.Anthropic)!;
    private static readonly IChatCodec Bedrock = ChatCodecs.ForKind(ProviderKinds.Bedrock)!;

    [Theory]
    [InlineData("claude-sonnet-4-5", 64_000)]
    [InlineData("claude-sonnet-4-5-20250929", 64_000)]
    [InlineData("claude-sonnet-4-20250514", 64_000)]
    [InlineData("claude-opus-4-5-20251101", 64_000)]
    [InlineData("claude-opus-4-1-20250805", 32_000)]
    [InlineData("claude-opus-4-0", 32_000)]
    [InlineData("claude-haiku-4-5", 64_000)]
    [InlineData("claude-3-7-sonnet-latest", 64_000)]
    [InlineData("claude-3-5-sonnet-20241022", 8_192)]
    [InlineData("claude-3-5-haiku-latest", 8_192)]
    [InlineData("claude-3-opus-20240229", 4_096)]
    [InlineData("claude-3-haiku-20240307", 4_096)]
    [InlineData("us.anthropic.claude-sonnet-4-5-20250929-v1:0", 64_000)]
    [InlineData("anthropic.claude-3-5-haiku-20241022-v1:0", 8_192)]
    public void KnownFamilies_GetTheirOutputLimit_CappedWhenNotStreamed(string model, int limit)
    {
        Assert.Equal(limit, AnthropicOutputLimits.DefaultFor(model, stream: true));
        Assert.Equal(Math.Min(limit, AnthropicOutputLimits.NonStreamingCap), AnthropicOutputLimits.DefaultFor(model, stream: false));
    }

    [Theory]
    [InlineData("sim-claude")]
    [InlineData("claude-instant-1.2")]
    [InlineData("claude-opus-40")]
    [InlineData("amazon.nova-micro-v1:0")]
    public void UnknownModels_HaveNoLimit(string model) => Assert.Null(AnthropicOutputLimits.DefaultFor(model, stream: true));

    [Theory]
    [InlineData(true, 64_000)]
    [InlineData(false, AnthropicOutputLimits.NonStreamingCap)]
    public void ChatClientWithoutMaxTokens_GetsTheModelsLimit_NotAFixedDefault(bool stream, int expected)
    {
        var json = $$"""{"model":"m","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Write a long story."}]}""";

        Assert.Equal(expected, (int)Codec.Request(Anthropic, json, "claude-sonnet-4-5")["max_tokens"]!);
        Assert.Equal(AnthropicRequestWriter.DefaultMaxTokens, (int)Codec.Request(Anthropic, json, "upstream-model")["max_tokens"]!);
    }

    [Fact]
    public void ThinkingOnBedrockClaude_TakesItsBudgetFromTheModelsLimit()
    {
        var request = Codec.Request(
            Bedrock,
            """{"model":"m","stream":true,"reasoning_effort":"high","messages":[{"role":"user","content":"x"}]}""",
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0");

        Assert.Equal(64_000, (int)request["inferenceConfig"]!["maxTokens"]!);
        Assert.Equal(16_384, (int)request["additionalModelRequestFields"]!["thinking"]!["budget_tokens"]!);
    }
}
