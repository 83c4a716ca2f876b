// The SDK marks its Responses client experimental; it is what OpenAI SDK users call.
#pragma warning disable OPENAI001
using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Tests.Forwarding;
using MassRouter.Gateway.Tests.Infrastructure;
using OpenAI.Responses;

namespace MassRouter.Gateway.Tests.Responses;

/// <summary>
/// <c>POST /v1/responses</c>, OpenAI's Responses API, with the official OpenAI SDK as client: translated to a chat request
/// for every provider kind, answered as a Response object or Responses event stream.
/// </summary>
[Collection(GatewayCollection.Name)]
public class ResponsesTests(GatewayFixture gateway)
{
    private const string Generated5 = "Hello from the MassRouter simulator";

    private static readonly BinaryData WeatherParameters = BinaryData.FromString(
        """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}""");

    [Theory]
    [InlineData("test/gpt")]
    [InlineData("test/claude")]
    public async Task OfficialSdk_CreatesAResponse_WithTextAndUsage(string model)
    {
        var response = (await gateway.ResponsesClient(("x-sim-tokens", "5")).CreateResponseAsync(model, "Hi")).Value;

        Assert.StartsWith("resp_", response.Id, StringComparison.Ordinal);
        Assert.Equal(ResponseStatus.Completed, response.Status);
        Assert.Equal(Generated5, response.GetOutputText());
        Assert.Equal(5, response.Usage.OutputTokenCount);
        Assert.True(response.Usage.InputTokenCount > 0);
        Assert.Equal(response.Usage.InputTokenCount + 5, response.Usage.TotalTokenCount);
    }

    [Theory]
    [InlineData("test/gpt")]
    [InlineData("test/claude")]
    public async Task OfficialSdk_StreamsAResponse_DeltaByDelta_EndingCompleted(string model)
    {
        var deltas = new StringBuilder();
        var types = new List<string>();
        ResponseResult? completed = null;
        await foreach (var update in await gateway.ResponsesClient(("x-sim-tokens", "5")).CreateResponseStreamingAsync(model, "Hi"))
        {
            types.Add(update.GetType().Name);
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                deltas.Append(delta.Delta);
            }
            else if (update is StreamingResponseCompletedUpdate done)
            {
                completed = done.Response;
            }
        }

        Assert.Equal(nameof(StreamingResponseCreatedUpdate), types[0]);
        Assert.Equal(nameof(StreamingResponseCompletedUpdate), types[^1]);
        Assert.True(types.Count(t => t == nameof(StreamingResponseOutputTextDeltaUpdate)) > 1, "several text deltas");
        Assert.Equal(Generated5, deltas.ToString());
        Assert.NotNull(completed);
        Assert.Equal(Generated5, completed.GetOutputText());
        Assert.Equal(5, completed.Usage.OutputTokenCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ForcedFunctionTool_IsAFunctionCallItem(bool stream)
    {
        var options = new CreateResponseOptions("test/gpt", [ResponseItem.CreateUserMessageItem("Weather in Paris?")])
        {
            Tools = { ResponseTool.CreateFunctionTool("get_weather", WeatherParameters, strictModeEnabled: true, "The weather in a city") },
            ToolChoice = ResponseToolChoice.CreateFunctionChoice("get_weather"),
        };
        var client = gateway.ResponsesClient();

        ResponseResult? response = null;
        if (stream)
        {
            options.StreamingEnabled = true;
            await foreach (var update in await client.CreateResponseStreamingAsync(options))
            {
                if (update is StreamingResponseCompletedUpdate done)
                {
                    response = done.Response;
                }
            }
        }
        else
        {
            response = (await client.CreateResponseAsync(options)).Value;
        }

        Assert.NotNull(response);
        var call = Assert.IsType<FunctionCallResponseItem>(Assert.Single(response.OutputItems));
        Assert.Equal("get_weather", call.FunctionName);
        Assert.False(string.IsNullOrEmpty(call.CallId));
        using var arguments = JsonDocument.Parse(call.FunctionArguments);
        Assert.Equal(JsonValueKind.String, arguments.RootElement.GetProperty("city").ValueKind);
    }

    [Fact]
    public async Task Conversation_WithInstructionsAndAToolResult_ReachesTheProviderAsChatMessages()
    {
        var id = Guid.NewGuid().ToString("N");
        var options = new CreateResponseOptions(
            "test/gpt",
            [
                ResponseItem.CreateDeveloperMessageItem("Answer briefly."),
                ResponseItem.CreateUserMessageItem("Weather in Paris?"),
                ResponseItem.CreateFunctionCallItem("call_1", "get_weather", BinaryData.FromString("""{"city":"Paris"}""")),
                ResponseItem.CreateFunctionCallOutputItem("call_1", "18C and sunny"),
            ])
        {
            Instructions = "You are a weather bot.",
            Tools = { ResponseTool.CreateFunctionTool("get_weather", WeatherParameters, strictModeEnabled: true) },
            MaxOutputTokenCount = 100,
            StoredOutputEnabled = false,
        };

        var response = (await gateway.ResponsesClient(("x-sim-request-id", id), ("x-sim-tokens", "5")).CreateResponseAsync(options)).Value;

        Assert.Equal(Generated5, response.GetOutputText());
        using var sent = JsonDocument.Parse((string)(await gateway.RecordedRequestAsync(id))["body"]!);
        var root = sent.RootElement;
        Assert.Equal("sim-upstream-model", root.GetProperty("model").GetString());
        Assert.Equal(100, root.GetProperty("max_completion_tokens").GetInt32());
        var messages = root.GetProperty("messages").EnumerateArray().ToArray();
        Assert.Equal(["system", "system", "user", "assistant", "tool"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("You are a weather bot.", messages[0].GetProperty("content").GetString());
        var call = messages[3].GetProperty("tool_calls")[0];
        Assert.Equal("call_1", call.GetProperty("id").GetString());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("call_1", messages[4].GetProperty("tool_call_id").GetString());
        Assert.Equal("18C and sunny", messages[4].GetProperty("content").GetString());
        Assert.Equal("get_weather", root.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CodexStyleTools_NamespacedCallsComeBackNamespaced_HostedToolsLeftOut(bool stream)
    {
        // Codex CLI's shape: function tools, a namespace of functions, and web_search offered by default.
        var id = Guid.NewGuid().ToString("N");
        var body = $$$"""
            {"model":"test/gpt","stream":{{{(stream ? "true" : "false")}}},"store":false,"include":["reasoning.encrypted_content"],"input":"Spawn a helper",
             "tools":[{"type":"namespace","name":"agents","description":"Sub-agents","tools":[{"type":"function","name":"spawn","strict":false,
               "parameters":{"type":"object","properties":{"task":{"type":"string"}},"required":["task"]}}]},
              {"type":"web_search","external_web_access":false}],"tool_choice":"required","parallel_tool_calls":true}
            """;

        using var response = await gateway.Http.SendAsync(gateway.JsonPost("v1/responses", body, headers: [("x-sim-request-id", id)]));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = JsonNode.Parse(stream ? text[(text.LastIndexOf("data: ", StringComparison.Ordinal) + 6)..] : text)!;
        var call = (stream ? result["response"]! : result)["output"]![0]!;
        Assert.Equal("function_call", (string?)call["type"]);
        Assert.Equal("agents", (string?)call["namespace"]);
        Assert.Equal("spawn", (string?)call["name"]);
        using var sent = JsonDocument.Parse((string)(await gateway.RecordedRequestAsync(id))["body"]!);
        var tool = Assert.Single(sent.RootElement.GetProperty("tools").EnumerateArray());
        Assert.Equal("agents__spawn", tool.GetProperty("function").GetProperty("name").GetString());
    }

    [Fact]
    public async Task InputTokens_AreEstimated_ToolsAndImagesIncluded()
    {
        const string Text = "Summarise the quarterly report in three sentences, then list the risks it names.";
        var image = "data:image/png;base64," + new string('A', 40_000);
        const string Tools = ""","tools":[{"type":"function","name":"get_weather","description":"The weather in a city","parameters":{"type":"object","properties":{"city":{"type":"string","description":"The city's name"}},"required":["city"]}}]""";

        var plain = await InputTokensAsync($$"""{"model":"test/gpt","instructions":"Be brief.","input":"{{Text}}"}""");
        var withTools = await InputTokensAsync($$"""{"model":"test/gpt","instructions":"Be brief.","input":"{{Text}}"{{Tools}}}""");
        var withImage = await InputTokensAsync(
            $$"""{"model":"test/gpt","instructions":"Be brief.","input":[{"role":"user","content":[{"type":"input_text","text":"{{Text}}"},{"type":"input_image","image_url":"{{image}}"}]}]}""");

        Assert.InRange(plain, 15, 60);
        Assert.InRange(withTools - plain, 15, 80);
        Assert.InRange(withImage - plain, 1_000, 2_000); // a share per image, not 40,000 characters of base64
    }

    [Fact]
    public async Task InputTokens_OfAnUnknownModelOrAnInvalidRequest_AreOpenAIErrors()
    {
        using var unknown = await gateway.Http.SendAsync(gateway.JsonPost("v1/responses/input_tokens", """{"model":"no/such-model","input":"Hi"}"""));
        using var invalid = await gateway.Http.SendAsync(gateway.JsonPost("v1/responses/input_tokens", """{"model":"test/gpt"}"""));

        await OpenAIErrorAssert.IsErrorAsync(unknown, HttpStatusCode.NotFound, code: "model_not_found");
        await OpenAIErrorAssert.IsErrorAsync(invalid, HttpStatusCode.BadRequest, code: "missing_required_parameter");
    }

    [Fact]
    public async Task PreviousResponseId_IsRefused_TheGatewayStoresNoResponses()
    {
        var ex = await Assert.ThrowsAsync<ClientResultException>(() =>
            gateway.ResponsesClient().CreateResponseAsync(new CreateResponseOptions("test/gpt", [ResponseItem.CreateUserMessageItem("And then?")]) { PreviousResponseId = "resp_earlier" }));

        Assert.Equal(400, ex.Status);
        Assert.Contains("previous_response_id", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model":"test/gpt","input":"Patch it","tools":[{"type":"custom","name":"apply_patch"}]}""", "tools[0].type")]
    [InlineData("""{"model":"test/gpt","input":"Search","tools":[{"type":"web_search"}],"tool_choice":{"type":"web_search"}}""", "tool_choice.type")]
    public async Task ToolNoChatProviderCanRun_IsRefused_NamingIt(string body, string param)
    {
        using var response = await gateway.Http.SendAsync(gateway.JsonPost("v1/responses", body));

        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest, code: "unsupported_parameter");
        Assert.Equal(param, (string?)error["param"]);
    }

    [Fact]
    public async Task UnknownModel_IsAnOpenAI404()
    {
        using var response = await gateway.Http.SendAsync(gateway.JsonPost("v1/responses", """{"model":"no/such-model","input":"Hi"}"""));

        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.NotFound, code: "model_not_found");
    }

    [Fact]
    public async Task ProviderError_IsRelayedWithItsStatus_InOpenAIShape()
    {
        var ex = await Assert.ThrowsAsync<ClientResultException>(() =>
            gateway.ResponsesClient(("x-sim-fault", "status:400")).CreateResponseAsync("test/gpt", "Hi"));

        Assert.Equal(400, ex.Status);
    }

    [Fact]
    public async Task MidStreamReset_EndsWithResponseFailed()
    {
        using var response = await gateway.Http.SendAsync(
            gateway.JsonPost("v1/responses", """{"model":"test/gpt","input":"Hi","stream":true}""", headers: [("x-sim-fault", "reset:3"), ("x-sim-tokens", "20")]),
            HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("event: response.created\n", events[0], StringComparison.Ordinal);
        Assert.StartsWith("event: response.failed\n", events[^1], StringComparison.Ordinal);
        var failed = JsonNode.Parse(events[^1][(events[^1].IndexOf("data: ", StringComparison.Ordinal) + 6)..])!;
        Assert.Equal("failed", (string?)failed["response"]!["status"]);
        Assert.DoesNotContain("response.completed", body, StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoredResponseRoutes_UnknownIdsAreNotFound_AndOtherMethodsNotAllowed()
    {
        using var get = await gateway.Http.SendAsync(Authorized(HttpMethod.Get, "v1/responses/resp_123"));
        using var cancel = await gateway.Http.SendAsync(Authorized(HttpMethod.Post, "v1/responses/resp_123/cancel"));
        using var delete = await gateway.Http.SendAsync(Authorized(HttpMethod.Delete, "v1/responses/resp_123"));
        using var items = await gateway.Http.SendAsync(Authorized(HttpMethod.Get, "v1/responses/resp_123/input_items"));
        using var put = await gateway.Http.SendAsync(Authorized(HttpMethod.Put, "v1/responses/resp_123"));
        using var getCancel = await gateway.Http.SendAsync(Authorized(HttpMethod.Get, "v1/responses/resp_123/cancel"));
        using var list = await gateway.Http.SendAsync(Authorized(HttpMethod.Get, "v1/responses"));
        using var count = await gateway.Http.SendAsync(Authorized(HttpMethod.Get, "v1/responses/input_tokens"));
        using var other = await gateway.Http.SendAsync(gateway.JsonPost("v1/responses/summarize", """{"model":"test/gpt","input":"Hi"}"""));
        using var deeper = await gateway.Http.SendAsync(Authorized(HttpMethod.Get, "v1/responses/resp_123/output_items"));

        foreach (var unknown in (HttpResponseMessage[])[get, cancel, delete, items])
        {
            await OpenAIErrorAssert.IsErrorAsync(unknown, HttpStatusCode.NotFound, code: "response_not_found");
        }

        await OpenAIErrorAssert.IsErrorAsync(put, HttpStatusCode.MethodNotAllowed, code: "method_not_allowed");
        Assert.Equal(["GET", "DELETE"], put.Content.Headers.Allow);
        await OpenAIErrorAssert.IsErrorAsync(getCancel, HttpStatusCode.MethodNotAllowed, code: "method_not_allowed");
        await OpenAIErrorAssert.IsErrorAsync(list, HttpStatusCode.MethodNotAllowed, code: "method_not_allowed");
        Assert.Equal("POST", list.Content.Headers.Allow.Single());
        await OpenAIErrorAssert.IsErrorAsync(count, HttpStatusCode.MethodNotAllowed, code: "method_not_allowed");
        await OpenAIErrorAssert.IsErrorAsync(other, HttpStatusCode.NotFound, code: "unknown_url");
        await OpenAIErrorAssert.IsErrorAsync(deeper, HttpStatusCode.NotFound, code: "unknown_url");
    }

    [Fact]
    public async Task Metrics_CountEachRequestUnderTheApiItCameIn()
    {
        static string Series(string api) => $"massrouter_requests_total{{model=\"test/gpt\",provider=\"sim\",status_class=\"2xx\",api=\"{api}\"}}";
        var before = await gateway.Http.GetStringAsync(new Uri(gateway.GatewayAddress, "metrics"));

        _ = (await gateway.ResponsesClient(("x-sim-tokens", "3")).CreateResponseAsync("test/gpt", "Hi")).Value;
        using var messages = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.GatewayAddress, "v1/messages"))
        {
            Content = new StringContent("""{"model":"test/gpt","max_tokens":16,"messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"),
        };
        messages.Headers.Add("x-api-key", GatewayFixture.Key);
        using var answered = await gateway.Http.SendAsync(messages);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);

        var after = await gateway.Http.GetStringAsync(new Uri(gateway.GatewayAddress, "metrics"));
        Assert.Equal(Value(before, Series("responses")) + 1, Value(after, Series("responses")));
        Assert.Equal(Value(before, Series("messages")) + 1, Value(after, Series("messages")));
        Assert.Equal(Value(before, Series("chat_completions")), Value(after, Series("chat_completions")));
    }

    /// <summary>The value of one series in a Prometheus scrape; 0 when the series is not there yet.</summary>
    private static double Value(string scrape, string series) =>
        scrape.Split('\n').FirstOrDefault(line => line.StartsWith(series + " ", StringComparison.Ordinal)) is { } line
            ? double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)
            : 0;

    private async Task<int> InputTokensAsync(string body)
    {
        using var response = await gateway.Http.SendAsync(gateway.JsonPost("v1/responses/input_tokens", body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var count = JsonNode.Parse(text)!;
        Assert.Equal("response.input_tokens", (string?)count["object"]);
        return (int)count["input_tokens"]!;
    }

    private HttpRequestMessage Authorized(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(gateway.GatewayAddress, path));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", GatewayFixture.Key);
        return request;
    }
}
