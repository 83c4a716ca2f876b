using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Providers;
using MassRouter.Gateway.Tests.Forwarding;
using OpenAI.Chat;

namespace MassRouter.Gateway.Tests.Translation;

/// <summary>
/// The OpenAI route served by Amazon Bedrock (Converse API) deployments — one signing with access keys (SigV4), one with a
/// Bedrock API key — against recorded Bedrock traffic, checked with the official OpenAI SDK.
/// </summary>
public class BedrockProviderTests(TranslatingGatewayFixture gateway) : IClassFixture<TranslatingGatewayFixture>
{
    private const string NovaText =
        "The capital of France is Paris. Paris is not only the capital city but also the most populous city in France, and it is a major center for culture, "
        + "commerce, fashion, and international diplomacy. Known for its historical landmarks, such as the Eiffel Tower, the Louvre Museum, and Notre-Dame "
        + "Cathedral, Paris is often referred to as \"The City of Light\" or \"The City of Love.\"";

    [Fact]
    public async Task BinaryEventStream_ReachesTheSdkTokenByToken_WithUsage()
    {
        var client = gateway.ChatClient("nova", "bedrock/bedrock-converse-stream-nova.eventstream.bin", "bedrock-stream");
        var text = new StringBuilder();
        var updates = 0;
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in client.CompleteChatStreamingAsync(
            [new SystemChatMessage("You are a helpful chatbot."), new UserChatMessage("What is the capital of France?")],
            new ChatCompletionOptions { Temperature = 0f }))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
                updates++;
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal(NovaText, text.ToString());
        Assert.True(updates > 10, $"{updates} content updates");
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.Equal((13, 82), (usage!.InputTokenCount, usage.OutputTokenCount)); // the SDK always asks for usage
        var sent = gateway.Provider.Received("bedrock-stream");
        Assert.Equal("/model/us.amazon.nova-micro-v1%3A0/converse-stream", sent.RawTarget);
        var body = JsonNode.Parse(sent.Body)!;
        Assert.Equal("You are a helpful chatbot.", body["system"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("What is the capital of France?", body["messages"]![0]!["content"]![0]!["text"]!.GetValue<string>());
        Assert.Null(body["model"]);
    }

    [Fact]
    public async Task SignedRequest_VerifiesAgainstWhatTheProviderReceived()
    {
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest(
            """{"model":"nova","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"What is the capital of France?"}]}""",
            "bedrock/bedrock-converse-stream-nova.eventstream.bin",
            "bedrock-signed"));
        var events = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("\"usage\":{\"prompt_tokens\":13,\"completion_tokens\":82,\"total_tokens\":95", events, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", events, StringComparison.Ordinal);
        Assert.Equal(RecordedProviderServer.BedrockRequestId, Assert.Single(response.Headers.GetValues("x-upstream-request-id")));

        // Re-sign what arrived (method, target, host, date and body as received): the signature must be the one sent, so
        // the gateway signed exactly the bytes and the path it put on the wire.
        var sent = gateway.Provider.Received("bedrock-signed");
        var authorization = sent.Headers["authorization"];
        Assert.StartsWith($"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/{sent.Headers["x-amz-date"][..8]}/{TranslatingGatewayFixture.BedrockRegion}/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=", authorization, StringComparison.Ordinal);
        var date = DateTimeOffset.ParseExact(sent.Headers["x-amz-date"], "yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
        using var replay = new HttpRequestMessage(HttpMethod.Post, $"http://{sent.Headers["host"]}{sent.RawTarget}");
        new AwsSigV4Signer(AwsCredentials.Parse(TranslatingGatewayFixture.BedrockAccessKeys)!, TranslatingGatewayFixture.BedrockRegion, "bedrock")
            .Sign(replay, Encoding.UTF8.GetBytes(sent.Body), date);
        Assert.Equal(authorization, replay.Headers.Authorization!.ToString());
        Assert.DoesNotContain("wJalrXUtnFEMI", string.Join('\n', sent.Headers.Values), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolUse_ReachesTheSdkAsAToolCall_AndTheApiKeyIsABearerToken()
    {
        var client = gateway.ChatClient("claude-bedrock", "bedrock/bedrock-converse-tool-call-weather.response.json", "bedrock-tool");
        var weather = ChatTool.CreateFunctionTool(
            "get_weather",
            "Get the current weather for a city.",
            BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}"""));

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("What's the weather in Paris?")], new ChatCompletionOptions { Tools = { weather } });

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Paris", JsonNode.Parse(call.FunctionArguments.ToString())!["city"]!.GetValue<string>());
        Assert.Equal("us.anthropic.claude-sonnet-4-5-20250929-v1:0", completion.Model);
        Assert.True(completion.Usage.InputTokenCount > 0);

        var sent = gateway.Provider.Received("bedrock-tool");
        Assert.Equal("/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse", sent.RawTarget);
        Assert.Equal("Bearer " + TranslatingGatewayFixture.BedrockApiKey, sent.Headers["authorization"]);
        Assert.False(sent.Headers.ContainsKey("x-amz-date"));
        var recorded = JsonNode.Parse(File.ReadAllText(Path.Combine(Infrastructure.GatewayFixture.FixturesPath, "bedrock/bedrock-converse-tool-call-weather.request.json")))!;
        var body = JsonNode.Parse(sent.Body)!;
        Assert.True(JsonNode.DeepEquals(recorded["toolConfig"]!["tools"], body["toolConfig"]!["tools"]), body["toolConfig"]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(recorded["messages"], body["messages"]), body["messages"]!.ToJsonString());
    }

    [Fact]
    public async Task ValidationError_IsAnOpenAI400WithBedrocksMessage()
    {
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest(
            """{"model":"nova","messages":[{"role":"user","content":"hi"}]}""", "bedrock/bedrock-converse-error-400-validation.response.json", "bedrock-400"));

        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest, code: null);
        Assert.Equal("The provided model identifier is invalid.", error["message"]!.GetValue<string>());
        Assert.Equal("invalid_request_error", error["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task MessagesApi_OnABedrockDeployment_StreamsAnthropicEvents()
    {
        // The Anthropic SDK, strict about every event it parses, reading Bedrock's binary stream turned into Anthropic's.
        using var anthropic = new MassRouter.Tests.Anthropic.AnthropicSdk(
            gateway.GatewayAddress, Infrastructure.GatewayFixture.Key, strict: true, ("x-sim-fixture", "bedrock/bedrock-converse-stream-nova.eventstream.bin"), ("x-test-tag", "bedrock-messages"));

        var summary = await anthropic.StreamAsync(MassRouter.Tests.Anthropic.AnthropicSdk.Hello(model: "nova"));

        Assert.Equal(NovaText, summary.Text.ToString());
        Assert.Equal("end_turn", summary.StopReason);
        Assert.Equal(82, summary.OutputTokens);
        Assert.Equal("message_start", summary.Events[0]);
        Assert.Equal("/model/us.amazon.nova-micro-v1%3A0/converse-stream", gateway.Provider.Received("bedrock-messages").RawTarget);
    }
}
