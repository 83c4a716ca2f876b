using System.ClientModel;
using System.Net;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Tests.Infrastructure;
using OpenAI;
using OpenAI.Embeddings;

namespace MassRouter.Gateway.Tests.Forwarding;

/// <summary><c>POST /v1/embeddings</c> through the gateway to OpenAI-compatible providers, with the official OpenAI SDK.</summary>
[Collection(GatewayCollection.Name)]
public class EmbeddingsTests(GatewayFixture gateway)
{
    [Fact]
    public async Task OfficialSdk_EmbedsABatch_OneUnitVectorPerText_WithUsage()
    {
        var client = EmbeddingClient("test/gpt");

        var result = await client.GenerateEmbeddingsAsync(["the first text", "the second text"], new EmbeddingGenerationOptions { Dimensions = 64 });

        var embeddings = result.Value;
        Assert.Equal([0, 1], embeddings.Select(e => e.Index));
        Assert.All(embeddings, e => Assert.Equal(64, e.ToFloats().Length));
        Assert.All(embeddings, e => Assert.Equal(1.0, Math.Sqrt(e.ToFloats().ToArray().Sum(v => (double)v * v)), 4));
        Assert.NotEqual(embeddings[0].ToFloats().ToArray(), embeddings[1].ToFloats().ToArray());
        Assert.True(embeddings.Usage.InputTokenCount > 0);
        Assert.Equal(embeddings.Usage.InputTokenCount, embeddings.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task Metrics_CountTheRequestAndItsTokens_ButNoTimeToFirstToken()
    {
        const string Series = "{model=\"test/azure\",provider=\"azure\"}";
        var before = await MetricsAsync();

        using var response = await gateway.Http.SendAsync(Request("""{"model":"test/azure","input":["one","two"]}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var prompt = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["usage"]!["prompt_tokens"]!.GetValue<int>();

        var after = await MetricsAsync();
        Assert.Equal(Value(before, "massrouter_requests_total{model=\"test/azure\",provider=\"azure\",status_class=\"2xx\",api=\"embeddings\"}") + 1, Value(after, "massrouter_requests_total{model=\"test/azure\",provider=\"azure\",status_class=\"2xx\",api=\"embeddings\"}"));
        Assert.Equal(Value(before, "massrouter_tokens_input_total" + Series) + prompt, Value(after, "massrouter_tokens_input_total" + Series));
        Assert.Equal(Value(before, "massrouter_time_to_first_token_seconds_count" + Series), Value(after, "massrouter_time_to_first_token_seconds_count" + Series));
    }

    [Fact]
    public async Task OfficialSdk_TokenIdInput_IsEmbedded()
    {
        var result = await EmbeddingClient("test/gpt").GenerateEmbeddingsAsync([new ReadOnlyMemory<int>([1, 2, 3])]);

        Assert.Equal(1536, Assert.Single(result.Value).ToFloats().Length);
        Assert.Equal(3, result.Value.Usage.InputTokenCount);
    }

    [Fact]
    public async Task Provider_GetsTheBodyAsSent_WithOnlyTheModelReplaced_AtItsEmbeddingsPath()
    {
        var id = Guid.NewGuid().ToString("N");
        const string Body = """{"model":"test/gpt","input":["a","b"],"encoding_format":"base64","dimensions":8,"user":"u-7","input_type":"query"}""";
        using var response = await gateway.Http.SendAsync(Request(Body, headers: ("x-sim-request-id", id)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("sim", Header(response, "x-massrouter-provider"));
        Assert.Equal("test/gpt", Header(response, "x-massrouter-model"));
        Assert.StartsWith("req_", Header(response, "x-request-id"), StringComparison.Ordinal);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(2, answer["data"]!.AsArray().Count);
        Assert.Equal(8 * sizeof(float), Convert.FromBase64String(answer["data"]![0]!["embedding"]!.GetValue<string>()).Length);

        var sent = await gateway.RecordedRequestAsync(id);
        Assert.Equal("/v1/embeddings", sent["path"]!.GetValue<string>());
        Assert.Equal(Body.Replace("\"test/gpt\"", "\"sim-upstream-model\"", StringComparison.Ordinal), sent["body"]!.GetValue<string>());
        Assert.Equal("Bearer " + GatewayFixture.UpstreamCredential, sent["headers"]!["authorization"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("float")]
    [InlineData("base64")]
    public async Task LargeAnswer_IsRelayedByteForByte_AsTheProviderSentIt(string format)
    {
        // 400 vectors of 1,536: several megabytes, relayed as they arrive rather than read whole first.
        var inputs = string.Join(",", Enumerable.Range(0, 400).Select(i => $"\"text {i}\""));
        using var direct = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.SimulatorAddress, "v1/embeddings"))
        {
            Content = new StringContent($$"""{"model":"sim-upstream-model","input":[{{inputs}}],"encoding_format":"{{format}}"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        using var fromProvider = await gateway.Http.SendAsync(direct);
        var expected = await fromProvider.Content.ReadAsByteArrayAsync();
        Assert.True(expected.Length > 2 * 1024 * 1024, $"{expected.Length} bytes");

        using var response = await gateway.Http.SendAsync(Request($$"""{"model":"test/gpt","input":[{{inputs}}],"encoding_format":"{{format}}"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected.Length, response.Content.Headers.ContentLength);
        Assert.Equal(expected, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task AzureDeployment_IsCalledAtItsDeploymentsEmbeddingsPath()
    {
        var id = Guid.NewGuid().ToString("N");
        using var response = await gateway.Http.SendAsync(Request("""{"model":"test/azure","input":"hello"}""", headers: ("x-sim-request-id", id)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = await gateway.RecordedRequestAsync(id);
        Assert.Equal("/openai/deployments/my-deployment/embeddings", sent["path"]!.GetValue<string>());
        Assert.Equal("?api-version=2024-10-21", sent["query"]!.GetValue<string>());
        Assert.Equal(GatewayFixture.UpstreamCredential, sent["headers"]!["api-key"]!.GetValue<string>());
    }

    [Fact]
    public async Task ModelServedByAProviderWithoutAnOpenAIEmbeddingsApi_Is400_BeforeAnyUpstreamCall()
    {
        var id = Guid.NewGuid().ToString("N");
        using var response = await gateway.Http.SendAsync(Request("""{"model":"test/claude","input":"hello"}""", headers: ("x-sim-request-id", id)));

        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest, "embeddings_not_supported");
        Assert.Equal("model", error["param"]!.GetValue<string>());
        Assert.Contains("sim-anthropic", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        using var recorded = await gateway.Http.GetAsync(new Uri(gateway.SimulatorAddress, $"sim/requests/{id}"));
        Assert.Equal(HttpStatusCode.NotFound, recorded.StatusCode);
    }

    [Theory]
    [InlineData("""{"model":"test/gpt"}""", "input", "missing_required_parameter")]
    [InlineData("""{"input":"x"}""", "model", "missing_required_parameter")]
    [InlineData("""{"model":"test/gpt","input":[]}""", "input", "empty_array")]
    [InlineData("""{"model":"test/gpt","input":["a",["b"]]}""", "input[1]", "invalid_type")]
    [InlineData("""{"model":"test/gpt","input":"x","models":"test/other"}""", "models", "invalid_type")]
    public async Task MalformedRequest_Is400NamingTheParameter(string body, string param, string code)
    {
        using var response = await gateway.Http.SendAsync(Request(body));

        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest, code);
        Assert.Equal(param, error["param"]!.GetValue<string>());
    }

    [Fact]
    public async Task OfficialSdk_SeesTheProvidersRefusal_AsItsTypedException()
    {
        // An empty string among the inputs is OpenAI's to refuse (other OpenAI-compatible servers embed it): passed through.
        var ex = await Assert.ThrowsAsync<ClientResultException>(() => EmbeddingClient("test/gpt").GenerateEmbeddingsAsync(["a", ""]));

        Assert.Equal(400, ex.Status);
        Assert.Contains("'$.input' is invalid", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownModel_Is404_AndAModelTheKeyMayNotUse_Is403()
    {
        using (var unknown = await gateway.Http.SendAsync(Request("""{"model":"test/nope","input":"x"}""")))
        {
            await OpenAIErrorAssert.IsErrorAsync(unknown, HttpStatusCode.NotFound, "model_not_found");
        }

        using var forbidden = await gateway.Http.SendAsync(Request("""{"model":"test/other","input":"x"}""", GatewayFixture.LimitedKey));
        await OpenAIErrorAssert.IsErrorAsync(forbidden, HttpStatusCode.Forbidden, "model_not_allowed");
    }

    [Fact]
    public async Task MissingKey_Is401()
    {
        using var response = await gateway.Http.SendAsync(Request("""{"model":"test/gpt","input":"x"}""", key: null));

        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.Unauthorized, "missing_api_key");
    }

    [Theory]
    [InlineData(429)]
    [InlineData(500)]
    public async Task ProviderErrorStatus_IsPassedThroughInOpenAIShape(int status)
    {
        using var response = await gateway.Http.SendAsync(Request("""{"model":"test/gpt","input":"x"}""", headers: ("x-sim-fault", $"status:{status}")));

        await OpenAIErrorAssert.IsErrorAsync(response, (HttpStatusCode)status);
    }

    [Fact]
    public async Task UnreachableProvider_Is502()
    {
        using var response = await gateway.Http.SendAsync(Request("""{"model":"test/dead","input":"x"}"""));

        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadGateway, "upstream_unreachable");
    }

    private Task<string> MetricsAsync() => gateway.Http.GetStringAsync(new Uri(gateway.GatewayAddress, "metrics"));

    /// <summary>The value of one series in a Prometheus scrape; 0 when the series is not there yet.</summary>
    private static double Value(string scrape, string series) =>
        scrape.Split('\n').FirstOrDefault(line => line.StartsWith(series + " ", StringComparison.Ordinal)) is { } line
            ? double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)
            : 0;

    private EmbeddingClient EmbeddingClient(string model) =>
        new OpenAIClient(
            new ApiKeyCredential(GatewayFixture.Key),
            new OpenAIClientOptions { Endpoint = new Uri(gateway.GatewayAddress, "v1"), NetworkTimeout = TimeSpan.FromSeconds(30) })
            .GetEmbeddingClient(model);

    private HttpRequestMessage Request(string json, string? key = GatewayFixture.Key, params (string Name, string Value)[] headers) =>
        gateway.JsonPost("v1/embeddings", json, key, headers);

    private static string Header(HttpResponseMessage response, string name) => response.Headers.GetValues(name).Single();
}
