using System.Net;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Tests.Infrastructure;

namespace MassRouter.Gateway.Tests.Forwarding;

/// <summary>
/// <c>POST /v1/completions</c>, OpenAI's legacy Completions API, through the gateway to OpenAI-compatible providers (the
/// official .NET SDK has no client for it: raw HTTP, as vLLM's and code-completion clients send it).
/// </summary>
[Collection(GatewayCollection.Name)]
public class CompletionsTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Provider_GetsTheBodyAsSent_WithOnlyTheModelReplaced_AndItsCompletionComesBack()
    {
        var id = Guid.NewGuid().ToString("N");
        const string Body = """{"model":"test/gpt","prompt":"def fib(n):","suffix":"    return a","max_tokens":40,"temperature":0,"echo":false}""";
        using var response = await gateway.Http.SendAsync(Request(Body, ("x-sim-request-id", id), ("x-sim-tokens", "6")));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("sim", Header(response, "x-massrouter-provider"));
        var answer = JsonNode.Parse(text)!;
        Assert.Equal("text_completion", (string?)answer["object"]);
        var choice = Assert.Single(answer["choices"]!.AsArray())!;
        Assert.False(string.IsNullOrEmpty((string?)choice["text"]));
        Assert.Equal(6, (int)answer["usage"]!["completion_tokens"]!);

        var sent = await gateway.RecordedRequestAsync(id);
        Assert.Equal("/v1/completions", (string?)sent["path"]);
        Assert.Equal(Body.Replace("\"test/gpt\"", "\"sim-upstream-model\"", StringComparison.Ordinal), (string?)sent["body"]);
        Assert.Equal("Bearer " + GatewayFixture.UpstreamCredential, (string?)sent["headers"]!["authorization"]);
    }

    [Fact]
    public async Task Stream_IsRelayedChunkByChunk_WithoutTheUsageTheGatewayAskedFor()
    {
        var id = Guid.NewGuid().ToString("N");
        using var response = await gateway.Http.SendAsync(
            Request("""{"model":"test/gpt","prompt":"Once upon a time","stream":true}""", ("x-sim-request-id", id), ("x-sim-tokens", "5")),
            HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (chunks, done) = await ChunksAsync(response);
        Assert.True(done);
        Assert.NotEmpty(chunks);
        Assert.All(chunks, c => Assert.Equal("text_completion", (string?)c["object"]));
        Assert.All(chunks, c => Assert.False(c.AsObject().ContainsKey("usage")));
        Assert.Equal("stop", (string?)chunks[^1]["choices"]![0]!["finish_reason"]);
        Assert.False(string.IsNullOrEmpty(string.Concat(chunks.Select(c => (string?)c["choices"]![0]!["text"]))));

        // The gateway asked for usage on the client's behalf, to meter the stream.
        var sent = JsonNode.Parse((string)(await gateway.RecordedRequestAsync(id))["body"]!)!;
        Assert.True((bool)sent["stream_options"]!["include_usage"]!);
    }

    [Fact]
    public async Task Stream_TheClientAskedForUsage_EndsWithTheUsageChunk()
    {
        using var response = await gateway.Http.SendAsync(
            Request("""{"model":"test/gpt","prompt":"Once upon a time","stream":true,"stream_options":{"include_usage":true}}""", ("x-sim-tokens", "5")),
            HttpCompletionOption.ResponseHeadersRead);

        var (chunks, done) = await ChunksAsync(response);
        Assert.True(done);
        var last = chunks[^1];
        Assert.Empty(last["choices"]!.AsArray());
        Assert.Equal(5, (int)last["usage"]!["completion_tokens"]!);
    }

    [Fact]
    public async Task AzureDeployment_IsCalledAtItsDeploymentsCompletionsPath()
    {
        var id = Guid.NewGuid().ToString("N");
        using var response = await gateway.Http.SendAsync(Request("""{"model":"test/azure","prompt":"hello"}""", ("x-sim-request-id", id)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = await gateway.RecordedRequestAsync(id);
        Assert.Equal("/openai/deployments/my-deployment/completions", (string?)sent["path"]);
        Assert.Equal("?api-version=2024-10-21", (string?)sent["query"]);
        Assert.Equal(GatewayFixture.UpstreamCredential, (string?)sent["headers"]!["api-key"]);
    }

    [Fact]
    public async Task ModelServedByAProviderWithoutAnOpenAICompatibleApi_Is400_BeforeAnyUpstreamCall()
    {
        var id = Guid.NewGuid().ToString("N");
        using var response = await gateway.Http.SendAsync(Request("""{"model":"test/claude","prompt":"hello"}""", ("x-sim-request-id", id)));

        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest, "completions_not_supported");
        Assert.Equal("model", (string?)error["param"]);
        using var recorded = await gateway.Http.GetAsync(new Uri(gateway.SimulatorAddress, $"sim/requests/{id}"));
        Assert.Equal(HttpStatusCode.NotFound, recorded.StatusCode);
    }

    [Fact]
    public async Task WrongMethod_Is405_AndAWrongKey401()
    {
        using var get = await gateway.Http.GetAsync(new Uri(gateway.GatewayAddress, "v1/completions"));
        using var unauthorized = await gateway.Http.SendAsync(gateway.JsonPost("v1/completions", """{"model":"test/gpt","prompt":"x"}""", key: "sk-wrong"));

        await OpenAIErrorAssert.IsErrorAsync(get, HttpStatusCode.MethodNotAllowed);
        Assert.Contains("POST", get.Content.Headers.Allow);
        await OpenAIErrorAssert.IsErrorAsync(unauthorized, HttpStatusCode.Unauthorized);
    }

    private HttpRequestMessage Request(string json, params (string Name, string Value)[] headers) => gateway.JsonPost("v1/completions", json, headers: headers);

    private static string Header(HttpResponseMessage response, string name) => response.Headers.GetValues(name).Single();

    /// <summary>The chunks of an SSE answer, and whether it ended with <c>[DONE]</c>.</summary>
    private static async Task<(List<JsonNode> Chunks, bool Done)> ChunksAsync(HttpResponseMessage response)
    {
        var chunks = new List<JsonNode>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line == "data: [DONE]")
            {
                return (chunks, true);
            }

            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                chunks.Add(JsonNode.Parse(line["data: ".Length..])!);
            }
        }

        return (chunks, false);
    }
}
