using System.Net;
using System.Text;
using System.Text.Json;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using MassRouter.Gateway.Tests.Infrastructure;
using MassRouter.Gateway.Tests.Resilience;
using MassRouter.Tests.Anthropic;

namespace MassRouter.Gateway.Tests.Messages;

/// <summary>
/// <c>/v1/messages</c> on the chat pipeline, with the official Anthropic SDK as client: fallbacks across provider kinds
/// (each attempt with its own upstream body), Gemini- and Cohere-kind deployments, mid-stream failures and gateway errors
/// in Anthropic's shape.
/// </summary>
[Collection(ResilienceCollection.Name)]
public class MessagesPipelineTests(ResilienceFixture gateway)
{
    private const string Generated5 = "Hello from the MassRouter simulator";

    [Fact]
    public async Task RetryableStatus_OnAnOpenAIDeployment_FallsBackToAnAnthropicDeployment()
    {
        using var response = await SendAsync("r/openai-then-anthropic", stream: false, ("x-sim-fault", "status:503"), ("x-sim-tokens", "5"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy-anthropic", Header(response, "x-massrouter-provider"));
        Assert.Equal("message", body.RootElement.GetProperty("type").GetString());
        Assert.Equal(Generated5, body.RootElement.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task RetryableStatus_OnAnAnthropicDeployment_FallsBackToAnOpenAIDeployment_WithATranslatedBody()
    {
        using var sdk = Sdk(("x-sim-fault", "status:529"), ("x-sim-tokens", "5"));

        var summary = await sdk.StreamAsync(AnthropicSdk.Hello(model: "r/anthropic-then-openai"));

        // One whole answer: the 529 never reached the client, the OpenAI fallback's answer was translated back.
        Assert.Equal(Generated5, summary.Text.ToString());
        Assert.Single(summary.Events, e => e == "message_start");
        Assert.Equal("end_turn", summary.StopReason);
        Assert.Equal(5, summary.OutputTokens);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RequestFallbackModels_AfterAnUpstream500_ReachATranslatedModel(bool stream)
    {
        using var response = await SendJsonAsync(
            $$"""{"model":"r/openai-failing-messages","models":["r/gemini-healthy"],"max_tokens":256,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Hi"}]}""",
            ("x-sim-fault", "status:500"),
            ("x-sim-tokens", "5"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy-gemini", Header(response, "x-massrouter-provider"));
        Assert.Equal("r/gemini-healthy", Header(response, "x-massrouter-model"));
        if (stream)
        {
            var events = await ReadEventsAsync(response);
            Assert.Single(events, e => e.Name == "message_start");
            Assert.Equal("message_stop", events[^1].Name);
        }
        else
        {
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(Generated5, body.RootElement.GetProperty("content")[0].GetProperty("text").GetString());
        }
    }

    [Fact]
    public async Task RequestFallbackModels_ThePrimaryIsTriedFirst()
    {
        using var response = await SendJsonAsync("""{"model":"r/cohere","models":["r/good"],"max_tokens":256,"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("cohere-kind", Header(response, "x-massrouter-provider"));
    }

    [Fact]
    public async Task UnknownFallbackModel_IsANotFoundError()
    {
        using var response = await SendJsonAsync("""{"model":"r/cohere","models":["r/nowhere"],"max_tokens":256,"messages":[{"role":"user","content":"Hi"}]}""");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("r/nowhere", body.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("r/anthropic-then-openai", "anthropic-kind")]
    [InlineData("r/gemini", "gemini-kind")]
    public async Task GatewayRoutingFields_NeverReachTheProvider(string model, string provider)
    {
        var id = Guid.NewGuid().ToString("N");
        using var response = await SendJsonAsync(
            $$"""{"provider":{"allow_fallbacks":true},"model":"{{model}}","max_tokens":256,"messages":[{"role":"user","content":"Hi"}],"models":["r/good"]}""",
            ("x-sim-request-id", id));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(provider, Header(response, "x-massrouter-provider"));
        using var recorded = JsonDocument.Parse((string)(await gateway.RecordedRequestAsync(id))["body"]!);
        Assert.False(recorded.RootElement.TryGetProperty("provider", out _));
        Assert.False(recorded.RootElement.TryGetProperty("models", out _));
        Assert.True(recorded.RootElement.TryGetProperty(provider == "anthropic-kind" ? "max_tokens" : "contents", out _), "the provider's own request shape");
    }

    [Theory]
    [InlineData("r/good", "healthy")]
    [InlineData("r/gemini", "gemini-kind")]
    public async Task AdaptiveThinkingEffortAndOutputFormat_ReachATranslatedDeployment(string model, string provider)
    {
        // Claude Code's adaptive thinking with an effort, and a structured output, sent by the SDK to a non-Anthropic model.
        var id = Guid.NewGuid().ToString("N");
        using var sdk = Sdk(("x-sim-request-id", id), ("x-sim-tokens", "5"));
        var schema = new Dictionary<string, JsonElement>
        {
            ["type"] = JsonSerializer.SerializeToElement("object"),
            ["properties"] = JsonSerializer.SerializeToElement(new { answer = new { type = "integer" } }),
            ["required"] = JsonSerializer.SerializeToElement(new[] { "answer" }),
            ["additionalProperties"] = JsonSerializer.SerializeToElement(false),
        };

        var message = await sdk.Client.Messages.Create(AnthropicSdk.Hello(model: model) with
        {
            Thinking = new ThinkingConfigAdaptive(),
            OutputConfig = new OutputConfig { Effort = Effort.Low, Format = new JsonOutputFormat { Schema = schema } },
        });

        Assert.Equal("end_turn", message.StopReason?.Raw());
        using var recorded = JsonDocument.Parse((string)(await gateway.RecordedRequestAsync(id))["body"]!);
        var sent = recorded.RootElement;
        if (provider == "healthy")
        {
            Assert.Equal("low", sent.GetProperty("reasoning_effort").GetString());
            Assert.Equal("integer", sent.GetProperty("response_format").GetProperty("json_schema").GetProperty("schema")
                .GetProperty("properties").GetProperty("answer").GetProperty("type").GetString());
            Assert.True(sent.GetProperty("response_format").GetProperty("json_schema").GetProperty("strict").GetBoolean());
        }
        else
        {
            // Gemini's own words for both: a thinking budget and a response schema.
            var config = sent.GetProperty("generationConfig");
            Assert.True(config.GetProperty("thinkingConfig").GetProperty("thinkingBudget").GetInt32() > 0);
            Assert.Equal("application/json", config.GetProperty("responseMimeType").GetString());
            Assert.Equal("integer", config.GetProperty("responseJsonSchema").GetProperty("properties").GetProperty("answer").GetProperty("type").GetString());
        }

        Assert.False(sent.TryGetProperty("output_config", out _));
        Assert.False(sent.TryGetProperty("thinking", out _));
    }

    [Theory]
    [InlineData("r/openai-then-anthropic")]
    [InlineData("r/openai-as-is-then-anthropic")]
    public async Task UntranslatableRequest_SkipsNonAnthropicDeployments_ForAnAnthropicOne(string model)
    {
        // top_k has no chat-completions form: the OpenAI deployment cannot take it, the Anthropic one takes it as sent;
        // also when the OpenAI deployment's chat body would need no rewrite (before, it was sent the empty chat body).
        using var response = await SendJsonAsync(
            $$"""{"model":"{{model}}","max_tokens":256,"top_k":5,"messages":[{"role":"user","content":"Hi"}]}""",
            ("x-sim-tokens", "5"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy-anthropic", Header(response, "x-massrouter-provider"));
        Assert.Equal(Generated5, body.RootElement.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task UntranslatableRequest_WithNoAnthropicDeployment_IsAnInvalidRequestError()
    {
        using var response = await SendJsonAsync("""{"model":"r/gemini","max_tokens":256,"top_k":5,"messages":[{"role":"user","content":"Hi"}]}""");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("top_k", body.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("r/gemini", "r-gemini-upstream")]
    [InlineData("r/cohere", "r-cohere-upstream")]
    public async Task OtherProviderKinds_AnswerAMessage(string model, string upstream)
    {
        using var sdk = Sdk(("x-sim-tokens", "5"));

        var message = await sdk.Client.Messages.Create(AnthropicSdk.Hello(model: model));

        // The upstream model, as an Anthropic deployment's own (passed-through) answer names it.
        Assert.Equal(upstream, message.Model.Raw());
        Assert.True(Assert.Single(message.Content).TryPickText(out var text));
        Assert.Equal(Generated5, text.Text);
        Assert.Equal("end_turn", message.StopReason?.Raw());
        Assert.Equal(5, message.Usage.OutputTokens);
        Assert.True(message.Usage.InputTokens > 0);
    }

    [Theory]
    [InlineData("r/gemini")]
    [InlineData("r/cohere")]
    public async Task OtherProviderKinds_StreamAMessage(string model)
    {
        using var sdk = Sdk(("x-sim-tokens", "5"));

        var summary = await sdk.StreamAsync(AnthropicSdk.Hello(model: model));

        Assert.Equal(Generated5, summary.Text.ToString());
        Assert.Equal(5, summary.Events.Count(e => e == "content_block_delta"));
        Assert.Equal(["message_start", "content_block_start"], summary.Events[..2]);
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], summary.Events[^3..]);
        Assert.Equal("end_turn", summary.StopReason);
        Assert.Equal(5, summary.OutputTokens);
    }

    [Theory]
    [InlineData("r/openai-reset")]
    [InlineData("r/gemini-reset")]
    [InlineData("r/cohere-reset")]
    [InlineData("r/anthropic-reset")]
    public async Task MidStreamReset_EndsWithAnAnthropicErrorEvent(string model)
    {
        using var response = await SendAsync(model, stream: true, ("x-sim-fault", "reset:3"), ("x-sim-tokens", "10"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = await ReadEventsAsync(response);

        // The chunks already relayed, then Anthropic's error event; no second answer, no message_stop.
        Assert.Equal("message_start", events[0].Name);
        Assert.Equal("error", events[^1].Name);
        using var error = JsonDocument.Parse(events[^1].Data);
        Assert.Equal("error", error.RootElement.GetProperty("type").GetString());
        Assert.Equal("api_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Single(events, e => e.Name == "message_start");
        Assert.DoesNotContain(events, e => e.Name == "message_stop");
        Assert.Contains(events, e => e.Name == "content_block_delta");
    }

    [Fact]
    public async Task MidStreamReset_IsSeenByTheSdkAsAnError()
    {
        using var sdk = Sdk(("x-sim-fault", "reset:3"), ("x-sim-tokens", "10"));
        var summary = new StreamSummary();

        await Assert.ThrowsAnyAsync<AnthropicSseException>(async () =>
        {
            await foreach (var streamEvent in sdk.Client.Messages.CreateStreaming(AnthropicSdk.Hello(model: "r/gemini-reset")))
            {
                summary.Add(streamEvent);
            }
        });

        Assert.StartsWith("Hello", summary.Text.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("message_stop", summary.Events);
    }

    [Fact]
    public async Task UnreachableProvider_IsAnAnthropic502()
    {
        using var sdk = Sdk();

        var error = await Assert.ThrowsAnyAsync<AnthropicApiException>(() => sdk.Client.Messages.Create(AnthropicSdk.Hello(model: "r/bad")));

        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.Contains("api_error", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("req_", error.RequestID, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("r/gemini-exhausted", 503, "overloaded_error")]
    [InlineData("r/anthropic-exhausted", 529, "overloaded_error")]
    public async Task RetriesExhausted_AreAnAnthropicErrorWithTheLastStatus(string model, int status, string type)
    {
        using var sdk = Sdk(("x-sim-fault", $"status:{status}"));

        var error = await Assert.ThrowsAnyAsync<AnthropicApiException>(() => sdk.Client.Messages.Create(AnthropicSdk.Hello(model: model)));

        Assert.Equal(status, (int)error.StatusCode);
        Assert.Contains(type, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryCircuitOpen_IsAnAnthropicOverloadedError_WithRetryAfter()
    {
        // The only deployment answers 529 until its breaker opens; from then on the gateway itself says 503.
        HttpStatusCode status = default;
        for (var i = 0; i < 10 && status != HttpStatusCode.ServiceUnavailable; i++)
        {
            using var response = await SendAsync("r/unavailable", stream: false);
            status = response.StatusCode;
            if (status == HttpStatusCode.ServiceUnavailable)
            {
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                Assert.Equal("error", body.RootElement.GetProperty("type").GetString());
                Assert.Equal("overloaded_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
                Assert.Contains("failing right now", body.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            }
            else
            {
                Assert.Equal(529, (int)status);
            }
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
    }

    [Fact]
    public async Task StallBeforeTheFirstToken_IsAnAnthropicTimeoutError()
    {
        using var sdk = Sdk(("x-sim-ttft-ms", "5000"), ("x-sim-tokens", "3"));

        var error = await Assert.ThrowsAnyAsync<AnthropicApiException>(() => sdk.StreamAsync(AnthropicSdk.Hello(model: "r/stall-only")));

        Assert.Equal(HttpStatusCode.GatewayTimeout, error.StatusCode);
        Assert.Contains("timeout_error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StallBetweenTokens_EndsWithAnAnthropicErrorEvent()
    {
        using var response = await SendAsync("r/idle", stream: true, ("x-sim-ttft-ms", "0"), ("x-sim-itl-ms", "3000"), ("x-sim-tokens", "5"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = await ReadEventsAsync(response);

        Assert.Equal("message_start", events[0].Name);
        Assert.Equal("error", events[^1].Name);
        Assert.Contains("idle timeout", events[^1].Data, StringComparison.Ordinal);
        Assert.DoesNotContain(events, e => e.Name == "message_stop");
    }

    [Fact]
    public async Task AnthropicDeploymentError_IsRelayedAsTheProviderSentIt()
    {
        using var response = await SendAsync("r/anthropic-exhausted", stream: false, ("x-sim-fault", "status:400"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.StartsWith("This model does not support effort level", body.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(body.RootElement.TryGetProperty("request_id", out _), "the provider's own body, not a rewrite");
    }

    [Fact]
    public async Task AnthropicDeployment_GetsTheClientsApiVersionAndBetas_OthersDoNot()
    {
        var native = Guid.NewGuid().ToString("N");
        var translated = Guid.NewGuid().ToString("N");
        using (await SendWithVersionAsync("r/anthropic-then-openai", native))
        {
        }

        using (await SendWithVersionAsync("r/gemini", translated))
        {
        }

        var nativeHeaders = (await gateway.RecordedRequestAsync(native))["headers"]!;
        Assert.Equal("2099-01-01", (string?)nativeHeaders["anthropic-version"]);
        Assert.Equal("tools-2099", (string?)nativeHeaders["anthropic-beta"]);
        var translatedHeaders = (await gateway.RecordedRequestAsync(translated))["headers"]!;
        Assert.Null(translatedHeaders["anthropic-version"]);
        Assert.Null(translatedHeaders["anthropic-beta"]);
    }

    private async Task<HttpResponseMessage> SendWithVersionAsync(string model, string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.GatewayAddress, "v1/messages"))
        {
            Content = new StringContent($$"""{"model":"{{model}}","max_tokens":16,"messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", GatewayFixture.Key);
        request.Headers.Add("anthropic-version", "2099-01-01");
        request.Headers.Add("anthropic-beta", "tools-2099");
        request.Headers.Add("x-sim-request-id", id);
        var response = await gateway.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    private AnthropicSdk Sdk(params (string Name, string Value)[] headers) =>
        new(gateway.GatewayAddress, GatewayFixture.Key, strict: true, headers);

    private Task<HttpResponseMessage> SendAsync(string model, bool stream, params (string Name, string Value)[] headers) =>
        SendJsonAsync(
            $$"""{"model":"{{model}}","max_tokens":256,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Hi"}]}""",
            headers);

    private async Task<HttpResponseMessage> SendJsonAsync(string json, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.GatewayAddress, "v1/messages"))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", GatewayFixture.Key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.First() : null;

    /// <summary>The whole Anthropic event stream as (event name, data) pairs.</summary>
    private static async Task<List<(string Name, string Data)>> ReadEventsAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var events = new List<(string Name, string Data)>();
        foreach (var block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? name = null;
            var data = new StringBuilder();
            foreach (var line in block.Split('\n'))
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data.Append(line["data: ".Length..]);
                }
            }

            if (name is not null)
            {
                events.Add((name, data.ToString()));
            }
        }

        return events;
    }
}
