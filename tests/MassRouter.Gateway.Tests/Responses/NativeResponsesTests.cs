// The SDK marks its Responses client experimental; it is what OpenAI SDK users call.
#pragma warning disable OPENAI001
using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Tests.Forwarding;
using MassRouter.Gateway.Tests.Infrastructure;
using OpenAI.Responses;

namespace MassRouter.Gateway.Tests.Responses;

/// <summary>
/// <c>POST /v1/responses</c> to a provider serving the Responses API itself (<c>Responses: true</c>; OpenAI's own API by
/// default): the client's body goes upstream as it was sent, model replaced, and the provider's Response and events come
/// back as they were sent, so what has no chat form (hosted and custom tools, reasoning items, stored state) works.
/// </summary>
[Collection(GatewayCollection.Name)]
public class NativeResponsesTests(GatewayFixture gateway)
{
    /// <summary>What Codex sends a GPT-5 model, and more: none of it has a chat-completions form.</summary>
    private const string AgentBody = """
        {"model":"test/responses","instructions":"You are a coding agent.","store":false,"include":["reasoning.encrypted_content"],
        "input":[{"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"gAAAAB-opaque"},
        {"role":"user","content":[{"type":"input_text","text":"Fix the bug"}]}],
        "tools":[{"type":"custom","name":"apply_patch","description":"Applies a patch","format":{"type":"grammar","syntax":"lark","definition":"start: /.+/"}},
        {"type":"web_search"}],
        "reasoning":{"effort":"high","summary":"auto"},"previous_response_id":null,"parallel_tool_calls":false}
        """;

    [Fact]
    public async Task TheProviderGetsTheClientsOwnBody_ModelReplaced_AtItsResponsesUrl()
    {
        var id = Guid.NewGuid().ToString("N");
        using var response = await gateway.Http.SendAsync(gateway.JsonPost("v1/responses", AgentBody, headers: [("x-sim-request-id", id), ("x-sim-tokens", "5")]));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var answer = JsonNode.Parse(text)!;
        Assert.Equal("response", (string?)answer["object"]);
        Assert.Equal("sim-responses-upstream", (string?)answer["model"]);
        Assert.Equal(5, (int)answer["usage"]!["output_tokens"]!);

        var recorded = await gateway.RecordedRequestAsync(id);
        Assert.Equal("/v1/responses", (string?)recorded["path"]);
        var expected = JsonNode.Parse(AgentBody)!;
        expected["model"] = "sim-responses-upstream";
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse((string)recorded["body"]!)), (string)recorded["body"]!);
    }

    [Fact]
    public async Task OfficialSdk_StreamsTheProvidersEvents()
    {
        var id = Guid.NewGuid().ToString("N");
        var deltas = new StringBuilder();
        var types = new List<string>();
        ResponseResult? completed = null;
        await foreach (var update in await gateway.ResponsesClient(("x-sim-request-id", id), ("x-sim-tokens", "5")).CreateResponseStreamingAsync("test/responses", "Hi"))
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
        Assert.NotNull(completed);
        Assert.Equal("sim-responses-upstream", completed.Model);
        Assert.Equal(completed.GetOutputText(), deltas.ToString());
        Assert.Equal(5, completed.Usage.OutputTokenCount);
        Assert.Equal("/v1/responses", (string?)(await gateway.RecordedRequestAsync(id))["path"]);
    }

    [Fact]
    public async Task TheEventStream_IsRelayedAsTheProviderFramedIt()
    {
        var id = Guid.NewGuid().ToString("N");
        using var response = await gateway.Http.SendAsync(
            gateway.JsonPost("v1/responses", """{"model":"test/responses","input":"Hi","stream":true}""", headers: [("x-sim-request-id", id), ("x-sim-tokens", "4")]),
            HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < events.Length; i++)
        {
            var lines = events[i].Split('\n');
            var data = JsonNode.Parse(lines[1]["data: ".Length..])!;
            Assert.Equal("event: " + (string?)data["type"], lines[0]);
            Assert.Equal(i, (int)data["sequence_number"]!);
        }

        Assert.StartsWith("event: response.completed\n", events[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", body, StringComparison.Ordinal);
        Assert.Equal("/v1/responses", (string?)(await gateway.RecordedRequestAsync(id))["path"]);
    }

    [Fact]
    public async Task AStreamCutMidway_EndsWithAnErrorEvent()
    {
        using var response = await gateway.Http.SendAsync(
            gateway.JsonPost("v1/responses", """{"model":"test/responses","input":"Hi","stream":true}""", headers: [("x-sim-fault", "reset:3"), ("x-sim-tokens", "20")]),
            HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("event: response.created\n", events[0], StringComparison.Ordinal);
        Assert.StartsWith("event: error\n", events[^1], StringComparison.Ordinal);
        var error = JsonNode.Parse(events[^1][(events[^1].IndexOf("data: ", StringComparison.Ordinal) + 6)..])!;
        Assert.Equal("error", (string?)error["type"]);
        Assert.Equal("upstream_disconnected", (string?)error["code"]);
        Assert.Equal(events.Length - 1, (int)error["sequence_number"]!);
        Assert.DoesNotContain("response.completed", body, StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProviderErrors_ComeBackAsTheProviderSentThem()
    {
        var ex = await Assert.ThrowsAsync<ClientResultException>(() => gateway.ResponsesClient(("x-sim-fault", "status:429")).CreateResponseAsync("test/responses", "Hi"));

        Assert.Equal(429, ex.Status);
        var error = JsonNode.Parse(ex.GetRawResponse()!.Content.ToString())!["error"]!;
        Assert.Equal("rate_limit_exceeded", (string?)error["code"]);
    }

    [Fact]
    public async Task TheGatewaysRoutingFields_DoNotReachTheProvider()
    {
        var id = Guid.NewGuid().ToString("N");
        const string Body = """{"model":"test/responses","input":"Hi","tools":[{"type":"web_search"}],"provider":{"order":["sim-responses"]},"models":["test/gpt"]}""";
        using var response = await gateway.Http.SendAsync(gateway.JsonPost("v1/responses", Body, headers: [("x-sim-request-id", id)]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = JsonNode.Parse((string)(await gateway.RecordedRequestAsync(id))["body"]!)!.AsObject();
        Assert.Equal(["model", "input", "tools"], sent.Select(p => p.Key));
        Assert.Equal("sim-responses-upstream", (string?)sent["model"]);
    }

    [Theory]
    [InlineData("""{"type":"custom","name":"apply_patch"}""", "/v1/responses")]
    [InlineData("""{"type":"function","name":"get_weather","parameters":{"type":"object","properties":{}}}""", "/v1/chat/completions")]
    public async Task AMixedPlan_SendsWhatHasNoChatForm_ToTheDeploymentSpeakingTheResponsesApi(string tool, string upstreamPath)
    {
        var id = Guid.NewGuid().ToString("N");
        var body = $$"""{"model":"test/responses-mixed","input":"Hi","tools":[{{tool}}]}""";
        using var response = await gateway.Http.SendAsync(gateway.JsonPost("v1/responses", body, headers: [("x-sim-request-id", id)]));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("response", (string?)JsonNode.Parse(text)!["object"]);
        Assert.Equal(upstreamPath, (string?)(await gateway.RecordedRequestAsync(id))["path"]);
    }

    [Fact]
    public async Task WhatHasNoChatForm_IsStillRefused_WhenNoDeploymentSpeaksTheResponsesApi()
    {
        using var response = await gateway.Http.SendAsync(
            gateway.JsonPost("v1/responses", """{"model":"test/gpt","input":"Hi","tools":[{"type":"custom","name":"apply_patch"}]}"""));

        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("unsupported_parameter", (string?)error["code"]);
        Assert.Equal("tools[0].type", (string?)error["param"]);
    }

    [Theory]
    [InlineData("test/responses")]
    [InlineData("test/responses-mixed")]
    public async Task Compaction_GoesToADeploymentSpeakingTheResponsesApi_AsTheClientSentIt(string model)
    {
        var id = Guid.NewGuid().ToString("N");
        var body = $$$"""{"model":"{{{model}}}","input":[{"role":"user","content":"Fix the bug"}],"instructions":"Be brief.","provider":{"sort":"latency"}}""";
        using var response = await gateway.Http.SendAsync(gateway.JsonPost("v1/responses/compact", body, headers: [("x-sim-request-id", id), ("x-sim-tokens", "6")]));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var answer = JsonNode.Parse(text)!;
        Assert.Equal("response.compaction", (string?)answer["object"]);
        Assert.Equal(6, (int)answer["usage"]!["output_tokens"]!);
        var recorded = await gateway.RecordedRequestAsync(id);
        Assert.Equal("/v1/responses/compact", (string?)recorded["path"]);
        var expected = JsonNode.Parse(body)!.AsObject();
        expected.Remove("provider");
        expected["model"] = "sim-responses-upstream";
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse((string)recorded["body"]!)), (string)recorded["body"]!);
    }

    [Fact]
    public async Task Compaction_IsRefused_WhereNoDeploymentSpeaksTheResponsesApi_AndOnlyPosted()
    {
        using var refused = await gateway.Http.SendAsync(gateway.JsonPost("v1/responses/compact", """{"model":"test/gpt","input":"Hi"}"""));
        var error = await OpenAIErrorAssert.IsErrorAsync(refused, HttpStatusCode.BadRequest, code: "unsupported_model");
        Assert.Equal("model", (string?)error["param"]);

        using var get = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.GatewayAddress, "v1/responses/compact"));
        get.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", GatewayFixture.Key);
        using var notAllowed = await gateway.Http.SendAsync(get);
        await OpenAIErrorAssert.IsErrorAsync(notAllowed, HttpStatusCode.MethodNotAllowed, code: "method_not_allowed");
    }

    [Theory]
    [InlineData("""{"model":"test/responses","input":"Count me","instructions":"Be brief.","models":["test/gpt"]}""")]
    [InlineData("""{"model":"test/responses","input":"Count me","tools":[{"type":"custom","name":"apply_patch"}]}""")]
    public async Task InputTokens_AreTheProvidersCount_WhereItServesTheResponsesApi(string body)
    {
        var id = Guid.NewGuid().ToString("N");
        using var response = await gateway.Http.SendAsync(gateway.JsonPost("v1/responses/input_tokens", body, headers: [("x-sim-request-id", id)]));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var recorded = await gateway.RecordedRequestAsync(id);
        Assert.Equal("/v1/responses/input_tokens", (string?)recorded["path"]);
        var sent = (string)recorded["body"]!;
        var expected = JsonNode.Parse(body)!.AsObject();
        expected.Remove("models");
        expected["model"] = "sim-responses-upstream";
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(sent)), sent);

        // The simulator counts four bytes a token of what it received: the count is its own, relayed.
        var count = JsonNode.Parse(text)!;
        Assert.Equal("response.input_tokens", (string?)count["object"]);
        Assert.Equal(Encoding.UTF8.GetByteCount(sent) / 4, (int)count["input_tokens"]!);
    }

    [Fact]
    public async Task InputTokens_AreEstimated_WhenTheProviderCannotCount()
    {
        using var response = await gateway.Http.SendAsync(
            gateway.JsonPost("v1/responses/input_tokens", """{"model":"test/responses","input":"Count me please"}""", headers: [("x-sim-fault", "status:503")]));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var count = JsonNode.Parse(text)!;
        Assert.Equal("response.input_tokens", (string?)count["object"]);
        Assert.InRange((int)count["input_tokens"]!, 1, 10);
        Assert.False(response.Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task Background_IsRefused_WhereNoProviderServesTheResponsesApi()
    {
        using var response = await gateway.Http.SendAsync(gateway.JsonPost("v1/responses", """{"model":"test/gpt","input":"Hi","background":true}"""));

        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("background", (string?)error["param"]);
        Assert.Equal("unsupported_parameter", (string?)error["code"]);
    }

    [Fact]
    public async Task Background_GoesToTheProvider_AndTheSdkPollsItToTheEnd()
    {
        var client = gateway.ResponsesClient(("x-sim-tokens", "6"), ("x-sim-itl-ms", "5"));

        var created = (await client.CreateResponseAsync(new CreateResponseOptions("test/responses", [ResponseItem.CreateUserMessageItem("Hi")]) { BackgroundModeEnabled = true })).Value;
        Assert.Equal(ResponseStatus.Queued, created.Status);
        Assert.True(created.BackgroundModeEnabled);

        var response = created;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (response.Status is ResponseStatus.Queued or ResponseStatus.InProgress && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
            response = (await client.GetResponseAsync(created.Id)).Value;
        }

        Assert.Equal(ResponseStatus.Completed, response.Status);
        Assert.Equal(created.Id, response.Id);
        Assert.Equal(6, response.Usage.OutputTokenCount);
        Assert.False(string.IsNullOrEmpty(response.GetOutputText()));
    }
}
