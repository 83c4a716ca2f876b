using System.Net;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Tests.Forwarding;
using MassRouter.Gateway.Tests.Infrastructure;

namespace MassRouter.Gateway.Tests.Resilience;

[Collection(ResilienceCollection.Name)]
public class FallbackTests(ResilienceFixture gateway)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    [InlineData(529)]
    public async Task RetryableStatus_IsAnsweredByTheNextDeployment(int status)
    {
        // One model per status: each deployment's circuit sees one failure and stays closed.
        using var response = await SendAsync($"r/retry-{status}", stream: false, ("x-sim-fault", $"status:{status}"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("healthy", Header(response, "x-massrouter-provider"));
        Assert.Equal("chat.completion", JsonNode.Parse(body)!["object"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    public async Task NonRetryableStatus_IsReturnedAtOnce(int status)
    {
        using var response = await SendAsync("r/passthrough", stream: false, ("x-sim-fault", $"status:{status}"));
        Assert.Equal("sim", Header(response, "x-massrouter-provider"));
        await OpenAIErrorAssert.IsErrorAsync(response, (HttpStatusCode)status);
    }

    [Fact]
    public async Task ConnectFailure_FallsBackToTheNextDeployment()
    {
        using var response = await SendAsync("r/dead-first", stream: false);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", Header(response, "x-massrouter-provider"));
    }

    [Fact]
    public async Task Streaming_RetryableStatus_FallsBackBeforeTheFirstByte_WithOneWholeAnswer()
    {
        using var response = await SendAsync("r/stream-fallback", stream: true, ("x-sim-fault", "status:503"), ("x-sim-tokens", "5"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", Header(response, "x-massrouter-provider"));
        var events = await ReadEventsAsync(response);
        Assert.Single(events, e => e.Contains("\"role\":\"assistant\"", StringComparison.Ordinal));
        Assert.Equal("[DONE]", events[^1]);
        Assert.Single(events, e => e == "[DONE]");
    }

    [Fact]
    public async Task MidStreamReset_EndsWithOneErrorEvent_NeverASplicedSecondAnswer()
    {
        using var response = await SendAsync("r/reset", stream: true, ("x-sim-fault", "reset:3"), ("x-sim-tokens", "10"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("sim", Header(response, "x-massrouter-provider"));
        var events = await ReadEventsAsync(response);
        Assert.Equal("[DONE]", events[^1]);
        var error = JsonNode.Parse(events[^2])!["error"]!;
        Assert.Equal("upstream_disconnected", error["code"]!.GetValue<string>());
        Assert.Single(events, e => e.Contains("\"role\":\"assistant\"", StringComparison.Ordinal));
        Assert.Single(events, e => e.Contains("\"error\"", StringComparison.Ordinal));
        var ids = events[..^2].Select(e => JsonNode.Parse(e)!["id"]!.GetValue<string>()).Distinct();
        Assert.Single(ids);
    }

    [Fact]
    public async Task StallBeforeTheFirstToken_TripsTheFirstTokenTimeout_AndFallsBack()
    {
        using var response = await SendAsync("r/stall", stream: true, ("x-sim-ttft-ms", "5000"), ("x-sim-tokens", "3"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", Header(response, "x-massrouter-provider"));
        Assert.Equal("[DONE]", (await ReadEventsAsync(response))[^1]);
    }

    [Fact]
    public async Task StallBetweenTokens_TripsTheIdleTimeout_WithAnErrorEvent()
    {
        using var response = await SendAsync("r/idle", stream: true, ("x-sim-ttft-ms", "0"), ("x-sim-itl-ms", "3000"), ("x-sim-tokens", "5"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = await ReadEventsAsync(response);
        Assert.Equal("[DONE]", events[^1]);
        Assert.Equal("upstream_timeout", JsonNode.Parse(events[^2])!["error"]!["code"]!.GetValue<string>());
        Assert.Contains(events, e => e.Contains("\"role\":\"assistant\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RequestFallbackModels_AreTriedInOrder()
    {
        using var request = gateway.ChatRequest("""{"model":"r/bad","models":["r/good"],"messages":[{"role":"user","content":"hi"}]}""");
        using var response = await gateway.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("r/good", Header(response, "x-massrouter-model"));
        Assert.Equal("healthy", Header(response, "x-massrouter-provider"));
    }

    [Theory]
    [InlineData("r/gemini", "gemini-kind")]
    [InlineData("r/cohere", "cohere-kind")]
    public async Task RequestFallbackModels_ATranslatedPrimaryIsTriedFirst(string primary, string provider)
    {
        using var request = gateway.ChatRequest($$"""{"model":"{{primary}}","models":["r/good"],"messages":[{"role":"user","content":"hi"}]}""");
        using var response = await gateway.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal(primary, Header(response, "x-massrouter-model"));
        Assert.Equal(provider, Header(response, "x-massrouter-provider"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RequestFallbackModels_AfterAnUpstream500_ReachATranslatedModel(bool stream)
    {
        using var response = await SendJsonAsync(
            $$"""{"model":"r/openai-failing","models":["r/gemini-healthy"],"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""",
            ("x-sim-fault", "status:500"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("r/gemini-healthy", Header(response, "x-massrouter-model"));
        Assert.Equal("healthy-gemini", Header(response, "x-massrouter-provider"));
        if (stream)
        {
            Assert.Equal("[DONE]", (await ReadEventsAsync(response))[^1]);
        }
        else
        {
            Assert.Equal("chat.completion", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["object"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task RequestFallbackModels_AClientErrorOfTheTranslatedPrimary_IsReturnedAtOnce()
    {
        using var response = await SendJsonAsync(
            """{"model":"r/cohere","models":["r/good"],"messages":[{"role":"user","content":"hi"}]}""",
            ("x-sim-fault", "status:400"));
        Assert.Equal("r/cohere", Header(response, "x-massrouter-model"));
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("r/gemini", "gemini-kind")]
    [InlineData("r/cohere", "cohere-kind")]
    public async Task ProviderPreferences_AreAcceptedByTranslatedModels(string model, string provider)
    {
        using var request = gateway.ChatRequest($$"""{"model":"{{model}}","provider":{"sort":"latency"},"messages":[{"role":"user","content":"hi"}]}""");
        using var response = await gateway.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal(provider, Header(response, "x-massrouter-provider"));
    }

    [Theory]
    [InlineData("r/gemini")]
    [InlineData("r/cohere")]
    public async Task GatewayRoutingFields_NeverReachATranslatedProvider(string model)
    {
        var id = Guid.NewGuid().ToString("N");
        using var request = gateway.ChatRequest(
            $$"""{"provider":{"sort":"latency","order":["x"]},"model":"{{model}}","messages":[{"role":"user","content":"hi"}],"models":["r/good"]}""",
            headers: ("x-sim-request-id", id));
        using var response = await gateway.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(model, Header(response, "x-massrouter-model"));

        var recorded = JsonNode.Parse((await gateway.RecordedRequestAsync(id))["body"]!.GetValue<string>())!.AsObject();
        Assert.False(recorded.ContainsKey("provider"));
        Assert.False(recorded.ContainsKey("models"));
    }

    [Theory]
    [InlineData("""{"order":["healthy"]}""", "healthy")]
    [InlineData("""{"ignore":["sim"]}""", "healthy")]
    [InlineData("""{"only":["sim"]}""", "sim")]
    public async Task ProviderPreferences_ChooseTheDeployment(string preferences, string expectedProvider)
    {
        using var request = gateway.ChatRequest($$"""{"model":"r/fallback","provider":{{preferences}},"messages":[{"role":"user","content":"hi"}]}""");
        using var response = await gateway.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expectedProvider, Header(response, "x-massrouter-provider"));

        // Gateway-only routing fields never reach the provider.
        var id = Guid.NewGuid().ToString("N");
        using var tagged = gateway.ChatRequest($$"""{"model":"r/fallback","provider":{{preferences}},"models":["r/good"],"messages":[]}""", headers: ("x-sim-request-id", id));
        using var taggedResponse = await gateway.Http.SendAsync(tagged);
        var recorded = JsonNode.Parse((await gateway.RecordedRequestAsync(id))["body"]!.GetValue<string>())!.AsObject();
        Assert.False(recorded.ContainsKey("provider"));
        Assert.False(recorded.ContainsKey("models"));
    }

    [Theory]
    [InlineData(null, "sim")]
    [InlineData("price", "healthy")]
    public async Task SortByPrice_TriesTheCheapestDeploymentFirst(string? sort, string expectedProvider)
    {
        var provider = sort is null ? "" : $$""","provider":{"sort":"{{sort}}"}""";
        using var request = gateway.ChatRequest($$"""{"model":"r/priced"{{provider}},"messages":[{"role":"user","content":"hi"}]}""");
        using var response = await gateway.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expectedProvider, Header(response, "x-massrouter-provider"));
    }

    [Fact]
    public async Task ProviderPreferencesMatchingNothing_Are400()
    {
        using var request = gateway.ChatRequest("""{"model":"r/fallback","provider":{"only":["nowhere"]},"messages":[]}""");
        using var response = await gateway.Http.SendAsync(request);
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest, "no_matching_provider");
    }

    [Fact]
    public async Task EqualPriorityDeployments_ShareTheLoadByWeight()
    {
        var seen = new HashSet<string>();
        for (var i = 0; i < 40 && seen.Count < 2; i++)
        {
            using var response = await SendAsync("r/balanced", stream: false);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            seen.Add(Header(response, "x-massrouter-provider"));
        }

        Assert.Equal(["healthy", "sim"], seen.Order(StringComparer.Ordinal));
    }

    private Task<HttpResponseMessage> SendAsync(string model, bool stream, params (string Name, string Value)[] headers) =>
        SendJsonAsync($$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""", headers);

    private async Task<HttpResponseMessage> SendJsonAsync(string json, params (string Name, string Value)[] headers)
    {
        using var request = gateway.ChatRequest(json, headers: headers);
        return await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static async Task<List<string>> ReadEventsAsync(HttpResponseMessage response)
    {
        using var cts = new CancellationTokenSource(Deadline);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync(cts.Token));
        return await sse.ReadAllAsync(cts.Token);
    }

    [Fact]
    public async Task Embeddings_RetryableStatus_IsAnsweredByTheNextDeployment()
    {
        using var response = await gateway.Http.SendAsync(EmbeddingsRequest("r/embed-fallback", ("x-sim-fault", "status:503")));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("healthy", Header(response, "x-massrouter-provider"));
        Assert.Equal("list", JsonNode.Parse(body)!["object"]!.GetValue<string>());
    }

    [Fact]
    public async Task Embeddings_DeploymentWithoutAnEmbeddingsApi_IsPassedOver_ForTheNext()
    {
        var id = Guid.NewGuid().ToString("N");
        using var response = await gateway.Http.SendAsync(EmbeddingsRequest("r/anthropic-then-openai", ("x-sim-request-id", id)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", Header(response, "x-massrouter-provider"));
        Assert.Equal("/v1/embeddings", (await gateway.RecordedRequestAsync(id))["path"]!.GetValue<string>());
    }

    [Fact]
    public async Task Embeddings_RequestFallbackModels_AnswerAfterAnUpstream500_WithoutTheRoutingFields()
    {
        var id = Guid.NewGuid().ToString("N");
        using var request = gateway.JsonPost(
            "v1/embeddings",
            """{"model":"r/openai-failing","models":["r/good"],"provider":{"allow_fallbacks":true},"input":"x"}""",
            headers: [("x-sim-fault", "status:500"), ("x-sim-request-id", id)]);
        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("r/good", Header(response, "x-massrouter-model"));
        Assert.Equal("healthy", Header(response, "x-massrouter-provider"));
        var sent = JsonNode.Parse((await gateway.RecordedRequestAsync(id))["body"]!.GetValue<string>())!.AsObject();
        Assert.Equal(["model", "input"], sent.Select(p => p.Key));
        Assert.Equal("r-good-upstream", sent["model"]!.GetValue<string>());
    }

    private HttpRequestMessage EmbeddingsRequest(string model, params (string Name, string Value)[] headers) =>
        gateway.JsonPost("v1/embeddings", $$"""{"model":"{{model}}","input":["one","two"]}""", headers: headers);

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : $"<no {name}>";
}
