using System.Text.Json;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using MassRouter.Simulator.Tests.Infrastructure;
using MassRouter.Tests.Anthropic;

namespace MassRouter.Simulator.Tests.Providers;

/// <summary>The official Anthropic .NET SDK parses every generated and every replayed Anthropic answer of the simulator.</summary>
[Collection(SimulatorCollection.Name)]
public sealed class AnthropicSdkTests(SimulatorFixture simulator)
{
    private const string Generated = "Hello from the MassRouter simulator. This answer is generated one token at a time for testing and benchmarking the gateway.";

    public static TheoryData<string> StreamFixtures =>
        [.. Fixtures.ResponsesOf("anthropic").Where(f => Fixtures.IsStream(f) && !f.Contains("error-event", StringComparison.Ordinal))];

    public static TheoryData<string> MessageFixtures =>
        [.. Fixtures.ResponsesOf("anthropic").Where(f => !Fixtures.IsStream(f) && Fixtures.ExpectedStatus(f) == 200)];

    public static TheoryData<string> ErrorFixtures =>
        [.. Fixtures.ResponsesOf("anthropic").Where(f => Fixtures.ExpectedStatus(f) != 200)];

    [Fact]
    public async Task GeneratedMessage_IsParsedBySdk()
    {
        using var sdk = new AnthropicSdk(simulator.Address, ("x-sim-tokens", "22"));
        var message = await sdk.Client.Messages.Create(AnthropicSdk.Hello());

        Assert.StartsWith("msg_01", message.ID, StringComparison.Ordinal);
        Assert.Equal("claude-sonnet-4-5", message.Model.Raw());
        Assert.True(Assert.Single(message.Content).TryPickText(out var text));
        Assert.Equal(Generated, text.Text);
        Assert.Equal("end_turn", message.StopReason?.Raw());
        Assert.Equal(22, message.Usage.OutputTokens);
        Assert.True(message.Usage.InputTokens > 0);
    }

    [Fact]
    public async Task GeneratedStream_IsParsedBySdk_WithUsageInStartAndDelta()
    {
        using var sdk = new AnthropicSdk(simulator.Address, ("x-sim-tokens", "22"), ("x-sim-chunk-size", "3"));
        var summary = await sdk.StreamAsync(AnthropicSdk.Hello());

        Assert.Equal(Generated, summary.Text.ToString());
        Assert.Equal("message_start", summary.Events[0]);
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], summary.Events[^3..]);
        Assert.Equal(8, summary.Events.Count(e => e == "content_block_delta"));
        Assert.Equal("end_turn", summary.StopReason);
        Assert.True(summary.InputTokens > 0);
        Assert.Equal(22, summary.OutputTokens);
    }

    [Fact]
    public async Task MaxTokensBelowAnswer_StopsWithMaxTokens()
    {
        using var sdk = new AnthropicSdk(simulator.Address, ("x-sim-tokens", "22"));
        var summary = await sdk.StreamAsync(AnthropicSdk.Hello(maxTokens: 4));
        var message = await sdk.Client.Messages.Create(AnthropicSdk.Hello(maxTokens: 4));

        Assert.Equal("Hello from the MassRouter", summary.Text.ToString());
        Assert.Equal("max_tokens", summary.StopReason);
        Assert.Equal(4, summary.OutputTokens);
        Assert.Equal("max_tokens", message.StopReason?.Raw());
    }

    [Fact]
    public async Task ThinkingEnabled_StreamsThinkingWithSignature_ThenText()
    {
        using var sdk = new AnthropicSdk(simulator.Address, ("x-sim-tokens", "5"));
        var parameters = AnthropicSdk.Hello(2048) with { Thinking = new ThinkingConfigEnabled { BudgetTokens = 1024 } };

        var summary = await sdk.StreamAsync(parameters);
        var message = await sdk.Client.Messages.Create(parameters);

        Assert.Equal("Hello from the MassRouter simulator", summary.Thinking.ToString());
        Assert.False(string.IsNullOrEmpty(summary.Signature));
        Assert.Equal("Hello from the MassRouter simulator", summary.Text.ToString());
        Assert.Equal(10, summary.OutputTokens);
        Assert.True(message.Content[0].TryPickThinking(out var thinking));
        Assert.Equal("Hello from the MassRouter simulator", thinking.Thinking);
        Assert.True(message.Content[1].TryPickText(out _));
    }

    [Fact]
    public async Task ForcedTool_StreamsToolUseWithInputJsonDeltas()
    {
        using var sdk = new AnthropicSdk(simulator.Address);
        var toolUse = await sdk.AssertForcedWeatherCallAsync();

        Assert.StartsWith("toolu_01", toolUse.ID, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(400, "invalid_request_error")]
    [InlineData(401, "authentication_error")]
    [InlineData(429, "rate_limit_error")]
    [InlineData(500, "api_error")]
    [InlineData(529, "overloaded_error")]
    public async Task StatusFault_IsAnAnthropicError(int status, string type)
    {
        using var sdk = new AnthropicSdk(simulator.Address, ("x-sim-fault", $"status:{status}"));

        var error = await Assert.ThrowsAnyAsync<AnthropicApiException>(() => sdk.Client.Messages.Create(AnthropicSdk.Hello()));

        Assert.Equal(status, (int)error.StatusCode);
        Assert.Contains(type, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("req_", error.RequestID, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MidstreamErrorFault_EndsTheStreamWithAnErrorEvent()
    {
        using var sdk = new AnthropicSdk(simulator.Address, ("x-sim-fault", "midstream-error:2"));
        var summary = new StreamSummary();

        var error = await Assert.ThrowsAnyAsync<AnthropicSseException>(async () =>
        {
            await foreach (var streamEvent in sdk.Client.Messages.CreateStreaming(AnthropicSdk.Hello()))
            {
                summary.Add(streamEvent);
            }
        });

        Assert.Contains("overloaded_error", error.ToString(), StringComparison.Ordinal);
        Assert.Equal("Hello from", summary.Text.ToString());
    }

    [Fact]
    public async Task CountTokens_IsParsedBySdk_WithTheMessagesEndpointsMeasure()
    {
        using var sdk = new AnthropicSdk(simulator.Address);
        var count = await sdk.Client.Messages.CountTokens(new MessageCountTokensParams { Model = "claude-sonnet-4-5", Messages = [new UserMessageParam("Hello, world")] });

        // A quarter of the bytes sent, as the simulated Messages endpoint counts a prompt.
        const string Sent = """{"messages":[{"content":"Hello, world","role":"user"}],"model":"claude-sonnet-4-5"}""";
        Assert.InRange(count.InputTokens, (Sent.Length / 4) - 2, (Sent.Length / 4) + 2);

        using var content = new StringContent("""{"messages":[]}""");
        using var response = await simulator.Http.PostAsync("/v1/messages/count_tokens", content);
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains("model: Field required", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingMaxTokens_IsRejectedLikeAnthropic()
    {
        using var content = new StringContent("""{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"Hi"}]}""");
        using var response = await simulator.Http.PostAsync("/v1/messages", content);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("error", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("invalid_request_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("max_tokens: Field required", body.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [MemberData(nameof(StreamFixtures))]
    public async Task ReplayedStream_IsParsedBySdk(string fixture)
    {
        using var sdk = new AnthropicSdk(simulator.Address, strict: false, ("x-sim-fixture", fixture));
        var summary = await sdk.StreamAsync(AnthropicSdk.Hello());

        Assert.Equal("message_start", summary.Events[0]);
        Assert.Equal("message_stop", summary.Events[^1]);
        Assert.NotNull(summary.StopReason);
        Assert.True(summary.OutputTokens > 0);
        Assert.Equal(ExpectedDeltaCount(fixture), summary.Events.Count(e => e == "content_block_delta"));
        if (summary.ToolName is not null && summary.ToolInput.Length > 0)
        {
            using var input = JsonDocument.Parse(summary.ToolInput.ToString());
            Assert.Equal(JsonValueKind.Object, input.RootElement.ValueKind);
        }
    }

    [Theory]
    [MemberData(nameof(MessageFixtures))]
    public async Task ReplayedMessage_IsParsedBySdk(string fixture)
    {
        using var sdk = new AnthropicSdk(simulator.Address, strict: false, ("x-sim-fixture", fixture));
        var message = await sdk.Client.Messages.Create(AnthropicSdk.Hello());
        using var expected = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Fixtures.Root, fixture)));

        Assert.Equal(expected.RootElement.GetProperty("id").GetString(), message.ID);
        var blocks = expected.RootElement.GetProperty("content").EnumerateArray().ToArray();
        Assert.Equal(blocks.Length, message.Content.Count);
        for (var i = 0; i < blocks.Length; i++)
        {
            var type = blocks[i].GetProperty("type").GetString();
            var parsed = type switch
            {
                "text" => message.Content[i].TryPickText(out var text) && text.Text == blocks[i].GetProperty("text").GetString(),
                "thinking" => message.Content[i].TryPickThinking(out var thinking) && thinking.Thinking == blocks[i].GetProperty("thinking").GetString(),
                "tool_use" => message.Content[i].TryPickToolUse(out var toolUse) && toolUse.Name == blocks[i].GetProperty("name").GetString()
                    && toolUse.Input.Count == blocks[i].GetProperty("input").EnumerateObject().Count(),
                _ => false,
            };
            Assert.True(parsed, $"{fixture}: block {i} ({type}) was not parsed as recorded.");
        }

        Assert.Equal(expected.RootElement.GetProperty("stop_reason").GetString(), message.StopReason?.Raw());
        Assert.Equal(expected.RootElement.GetProperty("usage").GetProperty("output_tokens").GetInt64(), message.Usage.OutputTokens);
    }

    [Theory]
    [MemberData(nameof(ErrorFixtures))]
    public async Task ReplayedError_IsRaisedBySdk(string fixture)
    {
        using var sdk = new AnthropicSdk(simulator.Address, ("x-sim-fixture", fixture));
        using var expected = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Fixtures.Root, fixture)));

        var error = await Assert.ThrowsAnyAsync<AnthropicApiException>(() => sdk.Client.Messages.Create(AnthropicSdk.Hello()));

        Assert.Equal(Fixtures.ExpectedStatus(fixture), (int)error.StatusCode);
        Assert.Contains(expected.RootElement.GetProperty("error").GetProperty("type").GetString()!, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplayedErrorEvent_IsRaisedBySdk()
    {
        using var sdk = new AnthropicSdk(simulator.Address, ("x-sim-fixture", "anthropic/anthropic-stream-error-event-overloaded.sse"));

        var error = await Assert.ThrowsAnyAsync<AnthropicSseException>(() => sdk.StreamAsync(AnthropicSdk.Hello()));

        Assert.Contains("overloaded_error", error.ToString(), StringComparison.Ordinal);
    }

    private static int ExpectedDeltaCount(string fixture) =>
        File.ReadAllText(Path.Combine(Fixtures.Root, fixture)).Split("\"type\":\"content_block_delta\"").Length - 1;
}
