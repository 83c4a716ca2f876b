using System.Net;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Tests.Forwarding;
using OpenAI.Chat;

namespace MassRouter.Gateway.Tests.Translation;

/// <summary>The OpenAI route served by Anthropic, Gemini and Cohere providers, checked with the official OpenAI SDK.</summary>
public class TranslatedProviderTests(TranslatingGatewayFixture gateway) : IClassFixture<TranslatingGatewayFixture>
{
    private static readonly ChatTool Weather = ChatTool.CreateFunctionTool(
        "get_weather",
        "Get the current weather for a city.",
        BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}"""));

    [Fact]
    public async Task AnthropicToolCall_ReachesSdkAsOpenAIToolCall_AndRequestIsAnthropics()
    {
        var client = gateway.ChatClient("claude", "anthropic/anthropic-tool-call-weather.response.json", "anthropic-weather");
        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("What's the weather in Paris?")], new ChatCompletionOptions { Tools = { Weather } });

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Paris", JsonNode.Parse(call.FunctionArguments.ToString())!["city"]!.GetValue<string>());
        Assert.Equal(572, completion.Usage.InputTokenCount);
        Assert.Equal(53, completion.Usage.OutputTokenCount);

        var sent = gateway.Provider.Received("anthropic-weather");
        Assert.Equal("/v1/messages", sent.PathAndQuery);
        Assert.Equal(TranslatingGatewayFixture.AnthropicKey, sent.Headers["x-api-key"]);
        Assert.Equal("2023-06-01", sent.Headers["anthropic-version"]);
        Assert.False(sent.Headers.ContainsKey("authorization"));
        var body = JsonNode.Parse(sent.Body)!;
        Assert.Equal("claude-sonnet-4-5", body["model"]!.GetValue<string>());
        Assert.Equal("get_weather", body["tools"]![0]!["name"]!.GetValue<string>());
    }

    [Fact]
#pragma warning disable OPENAI001 // reasoning effort is marked experimental in the SDK; the gateway maps it to a thinking budget.
    public async Task AnthropicStream_IsTranslatedTokenByToken_WithUsage()
    {
        var client = gateway.ChatClient("claude", "anthropic/anthropic-stream-thinking-raw.sse", "anthropic-stream");
        var text = new System.Text.StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        var updates = 0;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("How do I cross the street?")], new ChatCompletionOptions { ReasoningEffortLevel = ChatReasoningEffortLevel.Low }))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.True(updates > 20);
        Assert.StartsWith("Here", text.ToString(), StringComparison.Ordinal);
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.Equal(43, usage.InputTokenCount);
        Assert.Equal("""{"type":"enabled","budget_tokens":1024}""", JsonNode.Parse(gateway.Provider.Received("anthropic-stream").Body)!["thinking"]!.ToJsonString());
    }
#pragma warning restore OPENAI001

    [Fact]
    public async Task GeminiStream_UsesStreamEndpointAndKeyHeader_AndFinalCumulativeUsage()
    {
        var client = gateway.ChatClient("gemini", "google/gemini-stream-usage-every-chunk-raw.sse", "gemini-stream");
        var text = new System.Text.StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Count from 1 to 30")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
        }

        Assert.EndsWith("29\n30", text.ToString(), StringComparison.Ordinal);
        Assert.Equal(18, usage!.InputTokenCount);
        Assert.Equal(115, usage.OutputTokenCount);
        Assert.Equal(35, usage.OutputTokenDetails.ReasoningTokenCount);

        var sent = gateway.Provider.Received("gemini-stream");
        Assert.Equal("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", sent.PathAndQuery);
        Assert.Equal(TranslatingGatewayFixture.GeminiKey, sent.Headers["x-goog-api-key"]);
        Assert.False(sent.Headers.ContainsKey("authorization"));
    }

    [Fact]
    public async Task CohereStreamedToolCall_ReachesSdkWithIdNameAndArguments()
    {
        var client = gateway.ChatClient("command", "cohere/cohere-v2-stream-tool-call-raw.sse", "cohere-stream");
        var arguments = new System.Text.StringBuilder();
        string? name = null;
        string? id = null;
        ChatFinishReason? finish = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Erick, 27 years old")], new ChatCompletionOptions { Tools = { Weather } }))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                name ??= call.FunctionName;
                id ??= call.ToolCallId;
                arguments.Append(call.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal("Person", name);
        Assert.Equal("Person_2fnrphbsnr66", id);
        Assert.Equal(27, JsonNode.Parse(arguments.ToString())!["age"]!.GetValue<int>());
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        var sent = gateway.Provider.Received("cohere-stream");
        Assert.Equal("/v2/chat", sent.PathAndQuery);
        Assert.Equal("Bearer " + TranslatingGatewayFixture.CohereKey, sent.Headers["authorization"]);
    }

    [Fact]
    public async Task AnthropicOverloaded529_IsA503OpenAIError()
    {
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest("""{"model":"claude","messages":[{"role":"user","content":"hi"}]}""", "anthropic/anthropic-error-529-overloaded.json", "overloaded"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("overloaded", error["code"]!.GetValue<string>());
        Assert.Equal("Overloaded", error["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnthropicErrorEventMidStream_EndsTheStreamWithAnErrorEvent()
    {
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest("""{"model":"claude","stream":true,"messages":[{"role":"user","content":"hi"}]}""", "anthropic/anthropic-stream-error-event-overloaded.sse", "error-event"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            "data: {\"error\":{\"message\":\"Overloaded\",\"type\":\"server_error\",\"param\":null,\"code\":\"overloaded\"}}\n\ndata: [DONE]\n\n",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ParameterAnthropicCannotHonour_IsA400_BeforeAnyUpstreamCall()
    {
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest("""{"model":"claude","n":2,"messages":[{"role":"user","content":"hi"}]}""", "anthropic/anthropic-text.json", "n2"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("n", error["param"]!.GetValue<string>());
        Assert.Throws<KeyNotFoundException>(() => gateway.Provider.Received("n2"));
    }

    public static TheoryData<string, string, string, string, string> WrongTypes()
    {
        (string Field, string Param, string Code, string Message)[] fields =
        [
            ("\"max_tokens\":\"abc\"", "max_tokens", "invalid_type", "Invalid type for 'max_tokens': expected an integer, but got a string instead."),
            ("\"max_tokens\":99999999999999999999", "max_tokens", "integer_above_max_value", "Invalid 'max_tokens': integer above maximum value. Expected a value <= 2147483647, but got 99999999999999999999 instead."),
            ("\"max_completion_tokens\":1e30", "max_completion_tokens", "integer_above_max_value", "Invalid 'max_completion_tokens': integer above maximum value. Expected a value <= 2147483647, but got 1e30 instead."),
            ("\"temperature\":\"hot\"", "temperature", "invalid_type", "Invalid type for 'temperature': expected a decimal, but got a string instead."),
            ("\"stop\":5", "stop", "invalid_type", "Invalid type for 'stop': expected a string or an array of strings, but got an integer instead."),
            ("\"seed\":\"x\"", "seed", "invalid_type", "Invalid type for 'seed': expected an integer, but got a string instead."),
            ("\"tools\":{}", "tools", "invalid_type", "Invalid type for 'tools': expected an array, but got an object instead."),
        ];
        var data = new TheoryData<string, string, string, string, string>();
        foreach (var model in new[] { "claude", "gemini", "command" })
        {
            foreach (var (field, param, code, message) in fields)
            {
                data.Add(model, field, param, code, message);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(WrongTypes))]
    public async Task WrongTypeOrAbsurdValue_IsAnOpenAI400NamingTheField_BeforeAnyUpstreamCall(string model, string field, string param, string code, string message)
    {
        var tag = $"bad-{model}-{param}-{code}";
        var body = $$"""{"model":"{{model}}",{{field}},"messages":[{"role":"user","content":"hi"}]}""";
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest(body, "anthropic/anthropic-text.json", tag));

        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest, code);
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
        Assert.Equal(param, error["param"]!.GetValue<string>());
        Assert.Equal(message, error["message"]!.GetValue<string>());
        Assert.Throws<KeyNotFoundException>(() => gateway.Provider.Received(tag));
    }

    [Theory]
    [InlineData("gpt", "openai/openai-chat-text.json")]
    [InlineData("claude", "anthropic/anthropic-text.json")]
    [InlineData("gemini", "google/gemini-text.json")]
    [InlineData("command", "cohere/cohere-v2-text.json")]
    [InlineData("nova", "bedrock/bedrock-converse-text.json")]
    public async Task Provider_ReceivesItsOwnHost_NotTheClients(string model, string fixture)
    {
        var tag = "host-" + model;
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""", fixture, tag));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(gateway.GatewayAddress.Authority, gateway.Provider.Address.Authority);
        Assert.Equal(gateway.Provider.Address.Authority, gateway.Provider.Received(tag).Headers["host"]);
    }

    [Theory]
    [InlineData("gpt")]
    [InlineData("claude")]
    public async Task ClientOnlyHeaders_StayAtTheGateway_OthersReachTheProvider(string model)
    {
        var tag = "client-headers-" + model;
        using var request = HiRequest(model, tag);
        (string Name, string Value)[] clientOnly =
        [
            ("OpenAI-Organization", "org-client"), ("OpenAI-Project", "proj_client"), ("Cookie", "session=secret"), ("api-key", "sk-client"),
            ("X-Forwarded-For", "203.0.113.7"), ("Forwarded", "for=203.0.113.7"), ("X-Real-IP", "203.0.113.7"),
            ("Origin", "http://localhost:5173"), ("x-massrouter-user", "end-user-1"),
        ];
        foreach (var (name, value) in clientOnly)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.Add("x-trace-id", "trace-1");
        request.Headers.ExpectContinue = true;
        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = gateway.Provider.Received(tag).Headers;
        Assert.All(clientOnly, h => Assert.False(received.ContainsKey(h.Name.ToLowerInvariant()), h.Name));
        Assert.False(received.ContainsKey("expect"));
        Assert.Equal("trace-1", received["x-trace-id"]);
    }

    [Theory]
    [InlineData("gpt")]
    [InlineData("claude")]
    public async Task ProviderOnlyResponseHeaders_StayAtTheGateway_OthersReachTheClient(string model)
    {
        var tag = "provider-headers-" + model;
        using var request = HiRequest(model, tag);
        string[] providerOnly =
        [
            "Set-Cookie", "Alt-Svc", "Strict-Transport-Security", "openai-organization", "openai-project", "anthropic-organization-id",
            "x-ratelimit-limit-requests", "x-ratelimit-remaining-tokens", "x-ratelimitbysize-remaining-month", "RateLimit-Policy",
            "anthropic-ratelimit-requests-limit", "anthropic-priority-input-tokens-limit",
            "Access-Control-Allow-Origin", "Access-Control-Expose-Headers",
        ];
        var sent = providerOnly.ToDictionary(h => h, h => h == "Set-Cookie" ? "__cf_bm=abc; path=/; domain=.api.example.com" : "operator-value");
        sent["openai-processing-ms"] = "12";
        request.Headers.Add("x-test-response-headers", System.Text.Json.JsonSerializer.Serialize(sent));

        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.All(providerOnly, h => Assert.False(response.Headers.Contains(h), h));
        Assert.Equal("12", Assert.Single(response.Headers.GetValues("openai-processing-ms")));
    }

    [Fact]
    public async Task NestingDeeperThanSystemTextJsonsDefault_IsTranslated()
    {
        // 100 levels: over the 64 a JsonDocument takes by default, within the 256 the route takes.
        var body = $$"""{"model":"claude","metadata":{"x":{{new string('[', 97)}}{}{{new string(']', 97)}}},"messages":[{"role":"user","content":"hi"}]}""";
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest(body, "anthropic/anthropic-text.json", "deep"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("metadata", gateway.Provider.Received("deep").Body, StringComparison.Ordinal);
    }

    // A one-line chat request to an OpenAI ("gpt") or Anthropic ("claude") deployment, answered with its recorded text reply.
    private HttpRequestMessage HiRequest(string model, string tag) => gateway.ChatRequest(
        $$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""",
        model == "gpt" ? "openai/openai-chat-text.json" : "anthropic/anthropic-text.json",
        tag);
}
