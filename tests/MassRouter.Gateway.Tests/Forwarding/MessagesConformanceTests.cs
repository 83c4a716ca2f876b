using System.Text.Json;
using MassRouter.Gateway.Tests.Infrastructure;
using MassRouter.Tests;
using MassRouter.Tests.Anthropic;
using MassRouter.Tests.OpenAI;

namespace MassRouter.Gateway.Tests.Forwarding;

/// <summary>
/// Every recorded answer a provider gave, replayed by the simulator behind the gateway's <c>/v1/messages</c>, reaches the
/// official Anthropic SDK with the same content: OpenAI-compatible streams through translation, Anthropic's own streams and
/// messages through passthrough.
/// </summary>
[Collection(GatewayCollection.Name)]
public class MessagesConformanceTests(GatewayFixture gateway)
{
    private static readonly string[] OpenAICompatibleFolders = ["openai", "openai-compatible", "mistral", "groq", "deepseek"];

    /// <summary>Recorded OpenAI-compatible streams of one choice that end normally (n=3 and error streams are other tests' business).</summary>
    public static TheoryData<string> OpenAIStreams() =>
    [
        .. OpenAICompatibleFolders
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(FixturesRoot.Path, folder)).Select(file => folder + "/" + Path.GetFileName(file)))
            .Where(f => (f.EndsWith(".sse", StringComparison.Ordinal) || f.EndsWith(".chunks.txt", StringComparison.Ordinal))
                && !f.Contains("error", StringComparison.Ordinal) && !f.Contains("-n3-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal),
    ];

    public static TheoryData<string> AnthropicStreams() =>
    [
        .. Directory.EnumerateFiles(Path.Combine(FixturesRoot.Path, "anthropic"))
            .Select(file => "anthropic/" + Path.GetFileName(file))
            .Where(f => (f.EndsWith(".sse", StringComparison.Ordinal) || f.EndsWith(".chunks.txt", StringComparison.Ordinal)) && !f.Contains("error", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal),
    ];

    [Theory]
    [MemberData(nameof(OpenAIStreams))]
    public async Task RecordedOpenAIStream_ReachesTheAnthropicSdk_WithTheSameContent(string fixture)
    {
        var upstream = OpenAIStreamLog.Load(fixture);
        using var sdk = new AnthropicSdk(gateway.GatewayAddress, GatewayFixture.Key, strict: true, ("x-sim-fixture", fixture));

        var summary = await sdk.StreamAsync(AnthropicSdk.Hello(model: "test/other"));

        Assert.Equal(upstream.Content.ToString(), summary.Text.ToString());
        Assert.Equal(upstream.Reasoning.ToString(), summary.Thinking.ToString());
        Assert.Equal(upstream.ToolCalls.Count, summary.ToolCount);
        Assert.Equal(upstream.ToolCalls.Values.LastOrDefault().Name, summary.ToolName);
        if (upstream.ToolCalls.Count > 0)
        {
            Assert.Equal(upstream.ToolCalls.Values.Last().Arguments.ToString(), summary.ToolInput.ToString());
        }

        Assert.Equal(upstream.AnthropicStopReason, summary.StopReason);
        if (upstream.Usage is { } usage)
        {
            Assert.Equal(usage.GetProperty("completion_tokens").GetInt64(), summary.OutputTokens);
        }
    }

    [Theory]
    [MemberData(nameof(AnthropicStreams))]
    public async Task RecordedAnthropicStream_IsPassedThroughToTheSdk(string fixture)
    {
        using var sdk = new AnthropicSdk(gateway.GatewayAddress, GatewayFixture.Key, strict: false, ("x-sim-fixture", fixture));

        var summary = await sdk.StreamAsync(AnthropicSdk.Hello(model: "test/claude"));

        var recorded = File.ReadAllText(Path.Combine(FixturesRoot.Path, fixture));
        Assert.Equal(recorded.Split("\"type\":\"content_block_delta\"").Length - 1, summary.Events.Count(e => e == "content_block_delta"));
        Assert.Equal("message_stop", summary.Events[^1]);
        using var delta = JsonDocument.Parse(recorded.Split('\n').Select(l => l.StartsWith("data: ", StringComparison.Ordinal) ? l[6..] : l).Last(l => l.Contains("\"message_delta\"", StringComparison.Ordinal)));
        Assert.Equal(delta.RootElement.GetProperty("usage").GetProperty("output_tokens").GetInt64(), summary.OutputTokens);
    }
}
