using System.Net;
using System.Text;
using System.Text.Json;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using MassRouter.Gateway.Tests.Infrastructure;
using MassRouter.Tests.Anthropic;

namespace MassRouter.Gateway.Tests.Forwarding;

/// <summary>
/// <c>/v1/messages</c> through the gateway with the official Anthropic SDK as client: OpenAI-kind deployments translated both
/// ways (generated and recorded answers), Anthropic-kind deployments passed through, and Anthropic-shaped errors.
/// </summary>
[Collection(GatewayCollection.Name)]
public class MessagesTests(GatewayFixture gateway)
{
    private const string Generated16 = "Hello from the MassRouter simulator. This answer is generated one token at a time for";

    [Fact]
    public async Task OpenAIDeployment_Message_IsTranslated()
    {
        using var sdk = Sdk(("x-sim-tokens", "16"));
        var message = await sdk.Client.Messages.Create(AnthropicSdk.Hello(model: "test/gpt"));

        // The model the provider answered with, as an Anthropic deployment's own (passed-through) answer names it.
        Assert.Equal("sim-upstream-model", message.Model.Raw());
        Assert.True(Assert.Single(message.Content).TryPickText(out var text));
        Assert.Equal(Generated16, text.Text);
        Assert.Equal("end_turn", message.StopReason?.Raw());
        Assert.Equal(16, message.Usage.OutputTokens);
        Assert.True(message.Usage.InputTokens > 0);
    }

    [Fact]
    public async Task OpenAIDeployment_Stream_IsTranslatedChunkByChunk_WithFinalUsage()
    {
        using var sdk = Sdk(("x-sim-tokens", "16"));
        var summary = await sdk.StreamAsync(AnthropicSdk.Hello(maxTokens: 10, model: "test/gpt"));

        Assert.Equal("Hello from the MassRouter simulator. This answer is generated", summary.Text.ToString());
        Assert.Equal(10, summary.Events.Count(e => e == "content_block_delta"));
        Assert.Equal("max_tokens", summary.StopReason);
        Assert.Equal(10, summary.OutputTokens);
        Assert.Equal(["message_start", "content_block_start"], summary.Events[..2]);
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], summary.Events[^3..]);
    }

    [Fact]
    public async Task OpenAIDeployment_ReceivesAnOpenAIRequest_WithTheProviderCredential()
    {
        var id = Guid.NewGuid().ToString("N");
        using var sdk = Sdk(("x-sim-request-id", id));
        var parameters = AnthropicSdk.Hello(model: "test/gpt") with { System = "Be brief.", StopSequences = ["END"] };
        await sdk.Client.Messages.Create(parameters);

        var recorded = await gateway.RecordedRequestAsync(id);
        Assert.Equal("/v1/chat/completions", (string?)recorded["path"]);
        var headers = recorded["headers"]!;
        Assert.Equal("Bearer " + GatewayFixture.UpstreamCredential, (string?)headers["authorization"]);
        Assert.Null(headers["x-api-key"]);
        Assert.Null(headers["anthropic-version"]);
        using var body = JsonDocument.Parse((string)recorded["body"]!);
        Assert.Equal("sim-upstream-model", body.RootElement.GetProperty("model").GetString());
        Assert.Equal("system", body.RootElement.GetProperty("messages")[0].GetProperty("role").GetString());
        Assert.Equal("END", body.RootElement.GetProperty("stop")[0].GetString());
    }

    [Fact]
    public async Task RecordedOpenAIToolCall_ReachesTheClientAsToolUse()
    {
        using var sdk = Sdk(("x-sim-fixture", "openai/openai-chat-tool-call-weather.response.json"));
        var message = await sdk.Client.Messages.Create(AnthropicSdk.Hello(model: "test/gpt"));

        Assert.True(Assert.Single(message.Content).TryPickToolUse(out var toolUse));
        Assert.Equal("get_weather", toolUse.Name);
        Assert.Equal("Paris", toolUse.Input["city"].GetString());
        Assert.Equal("tool_use", message.StopReason?.Raw());
    }

    [Fact]
    public async Task ForcedTool_OnAnOpenAIDeployment_IsCalled_AndReachesTheClientAsToolUse()
    {
        using var sdk = Sdk();

        // The OpenAI-format upstream streamed the call's arguments in fragments; each became an input_json_delta.
        await sdk.AssertForcedWeatherCallAsync(model: "test/gpt");
    }

    [Fact]
    public async Task RecordedOpenAIParallelToolCallStream_ReachesTheClientAsTwoToolUseBlocks()
    {
        using var sdk = Sdk(("x-sim-fixture", "openai/openai-chat-stream-parallel-tool-calls-include-usage.sse"));
        var toolUses = new List<string>();
        var inputs = new Dictionary<long, StringBuilder>();
        string? stopReason = null;
        await foreach (var streamEvent in sdk.Client.Messages.CreateStreaming(AnthropicSdk.Hello(model: "test/gpt")))
        {
            streamEvent.Validate();
            if (streamEvent.TryPickContentBlockStart(out var start) && start.ContentBlock.TryPickToolUse(out var toolUse))
            {
                toolUses.Add(toolUse.Name);
                inputs[start.Index] = new StringBuilder();
            }
            else if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickInputJson(out var json))
            {
                inputs[delta.Index].Append(json.PartialJson);
            }
            else if (streamEvent.TryPickDelta(out var messageDelta))
            {
                stopReason = messageDelta.Delta.StopReason?.Raw();
            }
        }

        Assert.Equal(2, toolUses.Count);
        Assert.All(inputs.Values, input => Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(input.ToString()).RootElement.ValueKind));
        Assert.Equal("tool_use", stopReason);
    }

    [Fact]
    public async Task AnthropicDeployment_IsPassedThrough_WithTheUpstreamModelAndKey()
    {
        var id = Guid.NewGuid().ToString("N");
        using var sdk = Sdk(("x-sim-request-id", id), ("x-sim-tokens", "5"));
        var summary = await sdk.StreamAsync(AnthropicSdk.Hello(model: "test/claude") with { Thinking = new ThinkingConfigEnabled { BudgetTokens = 1024 } });

        Assert.Equal("Hello from the MassRouter simulator", summary.Thinking.ToString());
        Assert.Equal("Hello from the MassRouter simulator", summary.Text.ToString());
        Assert.Equal(10, summary.OutputTokens);
        var recorded = await gateway.RecordedRequestAsync(id);
        Assert.Equal("/v1/messages", (string?)recorded["path"]);
        Assert.Equal(GatewayFixture.UpstreamCredential, (string?)recorded["headers"]!["x-api-key"]);
        Assert.NotNull((string?)recorded["headers"]!["anthropic-version"]);
        using var body = JsonDocument.Parse((string)recorded["body"]!);
        Assert.Equal("sim-claude-upstream", body.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task AnthropicDeployment_DoesNotReceiveThinkingOtherProvidersWrote()
    {
        // The assistant turn as a translated deployment answered it: its thinking block has the gateway's empty signature,
        // which Anthropic would refuse ("Invalid `signature` in `thinking` block") on this and every later turn.
        var id = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.GatewayAddress, "v1/messages"))
        {
            Content = new StringContent(
                """
                {"model":"test/claude","max_tokens":64,"messages":[
                  {"role":"user","content":"Hi"},
                  {"role":"assistant","content":[{"type":"thinking","thinking":"Say hello.","signature":""},{"type":"text","text":"Hello!"}]},
                  {"role":"user","content":"Again"}]}
                """,
                Encoding.UTF8,
                "application/json"),
        };
        request.Headers.Add("x-api-key", GatewayFixture.Key);
        request.Headers.Add("x-sim-request-id", id);
        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var recorded = await gateway.RecordedRequestAsync(id);
        using var body = JsonDocument.Parse((string)recorded["body"]!);
        var assistant = body.RootElement.GetProperty("messages")[1];
        Assert.Equal("""[{"type":"text","text":"Hello!"}]""", assistant.GetProperty("content").GetRawText());
        Assert.Equal("sim-claude-upstream", body.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task AnthropicDeployment_RecordedMessage_IsRelayedUnchanged()
    {
        using var sdk = new AnthropicSdk(gateway.GatewayAddress, GatewayFixture.Key, strict: false, ("x-sim-fixture", "anthropic/anthropic-thinking.json"));
        var message = await sdk.Client.Messages.Create(AnthropicSdk.Hello(model: "test/claude"));

        Assert.Equal("msg_01XrsJCi8CQoLcnnWdY8RsJz", message.ID);
        Assert.True(message.Content[0].TryPickThinking(out var thinking));
        Assert.Equal("925 divided by 5 = 185", thinking.Thinking);
    }

    [Fact]
    public async Task Usage_IsMetered_ForTranslatedAndPassedThroughAnswers()
    {
        var claudeBefore = await OutputTokensAsync("test/claude", "sim-anthropic");
        var gptBefore = await OutputTokensAsync("test/gpt", "sim");
        using var sdk = Sdk(("x-sim-tokens", "7"));

        await sdk.StreamAsync(AnthropicSdk.Hello(model: "test/claude"));
        await sdk.Client.Messages.Create(AnthropicSdk.Hello(model: "test/claude"));
        await sdk.StreamAsync(AnthropicSdk.Hello(model: "test/gpt"));

        Assert.Equal(claudeBefore + 14, await OutputTokensAsync("test/claude", "sim-anthropic"));
        Assert.Equal(gptBefore + 7, await OutputTokensAsync("test/gpt", "sim"));
    }

    [Fact]
    public async Task Errors_CarryTheGatewayRequestId()
    {
        using var sdk = Sdk(("x-sim-fault", "status:529"));

        var error = await Assert.ThrowsAnyAsync<AnthropicApiException>(() => sdk.Client.Messages.Create(AnthropicSdk.Hello(model: "test/claude")));

        Assert.Equal(529, (int)error.StatusCode);
        Assert.Contains("overloaded_error", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("req_", error.RequestID, StringComparison.Ordinal);
        Assert.DoesNotContain("req_011C", error.RequestID, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingKey_IsAnAuthenticationError()
    {
        using var sdk = new AnthropicSdk(gateway.GatewayAddress, "sk-wrong", strict: true);

        var error = await Assert.ThrowsAnyAsync<AnthropicApiException>(() => sdk.Client.Messages.Create(AnthropicSdk.Hello(model: "test/gpt")));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Contains("authentication_error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownModel_IsNotFound()
    {
        using var sdk = Sdk();

        var error = await Assert.ThrowsAnyAsync<AnthropicApiException>(() => sdk.Client.Messages.Create(AnthropicSdk.Hello(model: "test/nope")));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains("not_found_error", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(429, "rate_limit_error")]
    [InlineData(500, "api_error")]
    [InlineData(503, "overloaded_error")]
    public async Task UpstreamOpenAIError_BecomesAnAnthropicError(int status, string type)
    {
        using var sdk = Sdk(("x-sim-fault", $"status:{status}"));

        var error = await Assert.ThrowsAnyAsync<AnthropicApiException>(() => sdk.Client.Messages.Create(AnthropicSdk.Hello(model: "test/gpt")));

        Assert.Equal(status, (int)error.StatusCode);
        Assert.Contains(type, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpstreamErrorMidStream_EndsWithAnErrorEvent()
    {
        using var sdk = Sdk(("x-sim-fault", "midstream-error:3"));
        var summary = new StreamSummary();

        await Assert.ThrowsAnyAsync<AnthropicSseException>(async () =>
        {
            await foreach (var streamEvent in sdk.Client.Messages.CreateStreaming(AnthropicSdk.Hello(model: "test/gpt")))
            {
                summary.Add(streamEvent);
            }
        });

        Assert.Equal("Hello from the", summary.Text.ToString());
        Assert.DoesNotContain("message_stop", summary.Events);
    }

    [Fact]
    public async Task ClaudeCodeShapedRequest_IsServedByAnOpenAIDeployment()
    {
        // The shape Claude Code 2.1 sends (its prompts left out): system blocks with cache_control, a system message
        // between the turns, adaptive thinking with an effort, context management, a JSON user_id, tools, a stream.
        const string Body = """
            {"model":"test/gpt","max_tokens":32000,"stream":true,
             "system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1"},{"type":"text","text":"You are an agent.","cache_control":{"type":"ephemeral"}}],
             "messages":[{"role":"user","content":[{"type":"text","text":"<system-reminder>context</system-reminder>"},{"type":"text","text":"Say hi","cache_control":{"type":"ephemeral"}}]},
                         {"role":"system","content":"Available agent types: claude, explore."}],
             "tools":[{"name":"Bash","description":"Run a command","input_schema":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}],
             "metadata":{"user_id":"{\"device_id\":\"d\",\"session_id\":\"s\"}"},
             "thinking":{"type":"adaptive"},"context_management":{"edits":[{"type":"clear_thinking_20251015","keep":"all"}]},"output_config":{"effort":"high"}}
            """;
        var id = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.GatewayAddress, "v1/messages?beta=true"))
        {
            Content = new StringContent(Body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Authorization", "Bearer " + GatewayFixture.Key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        request.Headers.Add("x-sim-request-id", id);
        using var response = await gateway.Http.SendAsync(request);
        var stream = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, stream);
        Assert.Contains("event: message_stop", stream, StringComparison.Ordinal);
        using var sent = JsonDocument.Parse((string)(await gateway.RecordedRequestAsync(id))["body"]!);
        var roles = sent.RootElement.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString());
        Assert.Equal(["system", "user", "system"], roles);
    }

    [Fact]
    public async Task InvalidRequest_IsAnInvalidRequestError()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.GatewayAddress, "v1/messages"))
        {
            Content = new StringContent("""{"model":"test/gpt","messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", GatewayFixture.Key);
        using var response = await gateway.Http.SendAsync(request);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("error", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("invalid_request_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("max_tokens: Field required", body.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    private async Task<double> OutputTokensAsync(string model, string provider)
    {
        var metrics = await gateway.Http.GetStringAsync(new Uri(gateway.GatewayAddress, "metrics"));
        var prefix = $"massrouter_tokens_output_total{{model=\"{model}\",provider=\"{provider}\"}} ";
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private AnthropicSdk Sdk(params (string Name, string Value)[] headers) => new(gateway.GatewayAddress, GatewayFixture.Key, strict: true, headers);
}
