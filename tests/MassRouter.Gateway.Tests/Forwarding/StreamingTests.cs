using System.Net;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Tests.Infrastructure;
using OpenAI.Chat;

namespace MassRouter.Gateway.Tests.Forwarding;

[Collection(GatewayCollection.Name)]
public class StreamingTests(GatewayFixture gateway)
{
    private static CancellationToken Deadline => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;

    [Fact]
    public async Task OpenAISdk_NonStreaming_Works()
    {
        var client = gateway.ChatClient(headers: new Dictionary<string, string> { ["x-sim-tokens"] = "7" });
        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Say hello")]);
        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(7, completion.Usage.OutputTokenCount);
        Assert.True(completion.Usage.InputTokenCount > 0);
    }

    [Fact]
    public async Task OpenAISdk_Streaming_DeliversEveryTokenAndUsage()
    {
        var client = gateway.ChatClient(headers: new Dictionary<string, string> { ["x-sim-tokens"] = "12" });
        var updates = new List<StreamingChatCompletionUpdate>();
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Count")], cancellationToken: Deadline))
        {
            updates.Add(update);
        }

        var contentUpdates = updates.Where(u => u.ContentUpdate.Count > 0 && u.ContentUpdate[0].Text.Length > 0).ToList();
        Assert.Equal(12, contentUpdates.Count);
        Assert.Equal(ChatFinishReason.Stop, updates.Single(u => u.FinishReason is not null).FinishReason);
        var usage = updates.Last().Usage;
        Assert.NotNull(usage);
        Assert.Equal(12, usage.OutputTokenCount);
    }

    [Fact]
    public async Task OpenAISdk_ForcedToolCall_StreamsItsArgumentFragmentsIntact()
    {
        var client = gateway.ChatClient();
        var weather = ChatTool.CreateFunctionTool(
            "get_weather", "Current weather", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string"}}}"""));
        var options = new ChatCompletionOptions { Tools = { weather }, ToolChoice = ChatToolChoice.CreateFunctionChoice("get_weather") };
        var updates = new List<StreamingChatToolCallUpdate>();
        ChatFinishReason? finish = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Weather in Paris?")], options, Deadline))
        {
            updates.AddRange(update.ToolCallUpdates);
            finish ??= update.FinishReason;
        }

        Assert.Equal("get_weather", updates[0].FunctionName);
        Assert.StartsWith("call_", updates[0].ToolCallId, StringComparison.Ordinal);
        Assert.True(updates.Count > 2);
        Assert.All(updates, u => Assert.Equal(0, u.Index));
        Assert.Equal("""{"city":"simulated","unit":"simulated"}""", string.Concat(updates.Select(u => u.FunctionArgumentsUpdate?.ToString())));
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
    }

    [Fact]
    public async Task Streaming_SeveralChoices_ReachTheClientInterleaved_WithoutTheUsageItDidNotAskFor()
    {
        using var request = gateway.ChatRequest(
            """{"model":"test/gpt","stream":true,"n":2,"messages":[{"role":"user","content":"hi"}]}""", headers: [("x-sim-tokens", "3")]);
        using var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        var events = await sse.ReadAllAsync(Deadline);

        Assert.Equal("[DONE]", events[^1]);
        var choices = events.SkipLast(1).Select(e => JsonNode.Parse(e)!).Select(c => Assert.Single(c["choices"]!.AsArray())!).ToList();
        Assert.Equal([0, 1, 0, 1, 0, 1, 0, 1, 0, 1], choices.Select(c => c["index"]!.GetValue<int>()));
        foreach (var index in (int[])[0, 1])
        {
            var mine = choices.Where(c => c["index"]!.GetValue<int>() == index).ToList();
            Assert.Equal("Hello from the", string.Concat(mine.Select(c => c["delta"]!["content"]?.GetValue<string>())));
            Assert.Equal("stop", mine[^1]["finish_reason"]!.GetValue<string>());
        }

        Assert.DoesNotContain(events, e => e.Contains("\"usage\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Streaming_ClientDidNotAskForUsage_GetsNoUsageChunk_ButUpstreamWasAsked()
    {
        var id = Guid.NewGuid().ToString("N");
        using var request = gateway.ChatRequest(
            """{"model":"test/gpt","stream":true,"messages":[{"role":"user","content":"hi"}]}""",
            headers: [("x-sim-request-id", id), ("x-sim-tokens", "3")]);
        using var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        var events = await sse.ReadAllAsync(Deadline);

        Assert.Equal("[DONE]", events[^1]);
        var chunks = events.SkipLast(1).Select(e => JsonNode.Parse(e)!).ToList();
        Assert.All(chunks, c => Assert.NotEmpty(c["choices"]!.AsArray()));
        Assert.Equal(3, chunks.Count(c => c["choices"]![0]!["delta"]!["content"]?.GetValue<string>() is { Length: > 0 }));

        var upstream = await gateway.RecordedRequestAsync(id);
        var sentBody = JsonNode.Parse(upstream["body"]!.GetValue<string>())!;
        Assert.True(sentBody["stream_options"]!["include_usage"]!.GetValue<bool>());
        Assert.Equal("sim-upstream-model", sentBody["model"]!.GetValue<string>());
        Assert.Equal("hi", sentBody["messages"]![0]!["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task Stream_IsFlushedChunkByChunk()
    {
        // The simulator sends the first content chunk, then holds the stream open until released: the client must see
        // that chunk while the provider is still holding, or the gateway is buffering.
        var hold = Guid.NewGuid().ToString("N");
        using var request = gateway.ChatRequest(
            """{"model":"test/gpt","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}""",
            headers: [("x-sim-fault", $"hold:{hold}"), ("x-sim-tokens", "4")]);
        using var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Deadline);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());

        using var beforeRelease = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        string? firstContent = null;
        while (firstContent is null && await sse.NextDataAsync(beforeRelease.Token) is { } data)
        {
            firstContent = JsonNode.Parse(data)!["choices"]!.AsArray().FirstOrDefault()?["delta"]?["content"]?.GetValue<string>() is { Length: > 0 } text ? text : null;
        }

        Assert.NotNull(firstContent);

        using var release = await gateway.Http.PostAsync(new Uri(gateway.SimulatorAddress, $"sim/release/{hold}"), null);
        Assert.True(release.IsSuccessStatusCode);
        var rest = await sse.ReadAllAsync(Deadline);
        Assert.Equal("[DONE]", rest[^1]);
        Assert.Equal(3, rest.Count(e => e.Contains("\"content\":\"", StringComparison.Ordinal) && !e.Contains("\"content\":\"\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ClientAbort_CancelsUpstreamAtOnce()
    {
        var id = Guid.NewGuid().ToString("N");
        using var request = gateway.ChatRequest(
            """{"model":"test/gpt","stream":true,"messages":[{"role":"user","content":"long story"}]}""",
            headers: [("x-sim-request-id", id), ("x-sim-tokens", "100000"), ("x-sim-itl-ms", "20")]);
        // A client that drops the connection when it lets go of the response: a pooled client first drains the stream
        // for up to two seconds (SocketsHttpHandler's ResponseDrainTimeout) to reuse the connection, and that wait was
        // most of what this test measured.
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxResponseDrainSize = 0 });
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Deadline);
        var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        Assert.NotNull(await sse.NextDataAsync(Deadline));
        sse.Dispose();
        response.Dispose();

        using var aborted = await gateway.Http.GetAsync(new Uri(gateway.SimulatorAddress, $"sim/requests/{id}/aborted?timeoutMs=5000"));
        Assert.Equal(HttpStatusCode.OK, aborted.StatusCode);
        var record = await gateway.RecordedRequestAsync(id);
        Assert.True(record["aborted"]!.GetValue<bool>());
        Assert.False(record["completed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task MidStreamReset_EndsWithErrorEventAndDone()
    {
        using var request = gateway.ChatRequest(
            """{"model":"test/gpt","stream":true,"messages":[{"role":"user","content":"hi"}]}""",
            headers: [("x-sim-fault", "reset:2"), ("x-sim-tokens", "10")]);
        using var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Deadline);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        var events = await sse.ReadAllAsync(Deadline);

        Assert.Equal("[DONE]", events[^1]);
        var error = JsonNode.Parse(events[^2])!["error"]!;
        Assert.Equal("upstream_disconnected", error["code"]!.GetValue<string>());
        Assert.Equal(2, events.Count(e => e.Contains("\"content\":\"", StringComparison.Ordinal) && !e.Contains("\"content\":\"\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task MidStreamProviderError_EndsWithTheErrorEventAndDone()
    {
        // OpenAI sends its error as a data event and closes the stream without [DONE].
        using var request = gateway.ChatRequest(
            """{"model":"test/gpt","stream":true,"messages":[{"role":"user","content":"hi"}]}""",
            headers: [("x-sim-fault", "midstream-error:3"), ("x-sim-tokens", "10")]);
        using var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Deadline);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        var events = await sse.ReadAllAsync(Deadline);

        Assert.Equal("[DONE]", events[^1]);
        Assert.Equal("server_error", JsonNode.Parse(events[^2])!["error"]!["type"]!.GetValue<string>());
        Assert.Single(events, e => e.Contains("\"error\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MidStreamProviderError_FollowedByTheProvidersDone_EndsWithOneDone()
    {
        using var request = gateway.ChatRequest(
            """{"model":"test/gpt","stream":true,"messages":[{"role":"user","content":"hi"}]}""",
            headers: ("x-sim-fixture", "openai-compatible/openrouter-stream-comments-then-error-chunk.sse"));
        using var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Deadline);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        var events = await sse.ReadAllAsync(Deadline);

        Assert.Equal("[DONE]", events[^1]);
        Assert.Single(events, e => e == "[DONE]");
        Assert.Equal("Token limit reached", JsonNode.Parse(events[^2])!["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task RequestRewrite_TouchesOnlyModelAndCredentials()
    {
        var id = Guid.NewGuid().ToString("N");
        const string body = """{"model":"test/gpt","messages":[{"role":"user","content":"hi"}],"temperature":0.25,"user":"u-1","metadata":{"a":"b"}}""";
        using var request = gateway.ChatRequest(body, headers: [("x-sim-request-id", id), ("x-custom", "kept")]);
        using var response = await gateway.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var upstream = await gateway.RecordedRequestAsync(id);
        Assert.Equal(body.Replace("test/gpt", "sim-upstream-model", StringComparison.Ordinal), upstream["body"]!.GetValue<string>());
        var headers = upstream["headers"]!.AsObject();
        string? Header(string name) => headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.GetValue<string>();
        Assert.Equal($"Bearer {GatewayFixture.UpstreamCredential}", Header("authorization"));
        Assert.Equal("kept", Header("x-custom"));
        Assert.Null(Header("x-api-key"));
    }

    [Fact]
    public async Task AzureFlavor_UsesDeploymentPath_ApiKeyHeader_AndApiVersion()
    {
        var id = Guid.NewGuid().ToString("N");
        using var request = gateway.ChatRequest("""{"model":"test/azure","messages":[{"role":"user","content":"hi"}]}""", headers: [("x-sim-request-id", id)]);
        using var response = await gateway.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = await gateway.RecordedRequestAsync(id);
        Assert.Equal("/openai/deployments/my-deployment/chat/completions", upstream["path"]!.GetValue<string>());
        Assert.Contains("api-version=2024-10-21", upstream["query"]!.GetValue<string>(), StringComparison.Ordinal);
        var headers = upstream["headers"]!.AsObject();
        Assert.Equal(GatewayFixture.UpstreamCredential, headers.First(h => string.Equals(h.Key, "api-key", StringComparison.OrdinalIgnoreCase)).Value!.GetValue<string>());
        Assert.DoesNotContain(headers, h => string.Equals(h.Key, "authorization", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Response_CarriesRequestIdAndProvider()
    {
        using var generated = await gateway.Http.SendAsync(gateway.ChatRequest("""{"model":"test/gpt","messages":[]}"""));
        Assert.StartsWith("req_", generated.Headers.GetValues("x-request-id").Single(), StringComparison.Ordinal);
        Assert.Equal("sim", generated.Headers.GetValues("x-massrouter-provider").Single());

        using var propagated = await gateway.Http.SendAsync(gateway.ChatRequest("""{"model":"test/gpt","messages":[]}""", headers: [("x-request-id", "my-trace-42")]));
        Assert.Equal("my-trace-42", propagated.Headers.GetValues("x-request-id").Single());
    }
}
