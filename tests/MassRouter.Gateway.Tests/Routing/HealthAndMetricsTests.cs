using System.Net;
using MassRouter.Gateway.Tests.Infrastructure;

namespace MassRouter.Gateway.Tests.Routing;

[Collection(GatewayCollection.Name)]
public class HealthAndMetricsTests(GatewayFixture gateway)
{
    [Theory]
    [InlineData("healthz")]
    [InlineData("readyz")]
    public async Task Probes_AnswerOk(string path)
    {
        using var response = await gateway.Http.GetAsync(new Uri(gateway.GatewayAddress, path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Root_SaysWhatTheAddressServes()
    {
        using var response = await gateway.Http.GetAsync(gateway.GatewayAddress);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var index = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("/v1", index["openai_base_url"]!.GetValue<string>());
        Assert.Contains("POST /v1/embeddings", index["endpoints"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Contains("POST /v1/completions", index["endpoints"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Null(index["control_api"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("healthz")]
    [InlineData("readyz")]
    [InlineData("metrics")]
    public async Task Head_AnswersLikeGet_WithoutABody(string path)
    {
        using var response = await gateway.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri(gateway.GatewayAddress, path)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("POST", "metrics")]
    [InlineData("PUT", "metrics")]
    [InlineData("DELETE", "metrics")]
    [InlineData("POST", "healthz")]
    [InlineData("POST", "readyz")]
    [InlineData("POST", "")]
    public async Task OtherMethods_AreNotAllowed(string method, string path)
    {
        using var response = await gateway.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri(gateway.GatewayAddress, path)));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET", "HEAD"], response.Content.Headers.Allow);
        Assert.DoesNotContain("massrouter_requests_total", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_CountRequestsTokensAndLatency()
    {
        using var request = gateway.ChatRequest(
            """{"model":"test/gpt","stream":true,"messages":[{"role":"user","content":"hi"}]}""",
            headers: ("x-sim-tokens", "5"));
        using var response = await gateway.Http.SendAsync(request);
        await response.Content.ReadAsStringAsync();

        var metrics = await gateway.Http.GetStringAsync(new Uri(gateway.GatewayAddress, "metrics"));
        foreach (var name in new[]
        {
            "massrouter_requests_total", "massrouter_request_duration_seconds", "massrouter_time_to_first_token_seconds",
            "massrouter_inter_token_gap_seconds", "massrouter_gateway_overhead_seconds", "massrouter_tokens_input_total",
            "massrouter_tokens_output_total", "massrouter_streams_active",
        })
        {
            Assert.Contains(name, metrics, StringComparison.Ordinal);
        }

        Assert.Contains("massrouter_requests_total{model=\"test/gpt\",provider=\"sim\",status_class=\"2xx\",api=\"chat_completions\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("massrouter_tokens_output_total{model=\"test/gpt\",provider=\"sim\"}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_ExposeTheTimePausedForGarbageCollection()
    {
        var before = await GcPauseSecondsAsync();

        // The gateway runs in this process: a blocking full collection pauses it.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

        var after = await GcPauseSecondsAsync();
        Assert.True(after > before, $"{before} -> {after}");
    }

    [Fact]
    public async Task Metrics_CountRejectionsByCode()
    {
        using var request = gateway.ChatRequest("""{"model":"test/gpt","messages":[]}""");
        request.Headers.Authorization = new("Bearer", "sk-wrong");
        using var response = await gateway.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        var metrics = await gateway.Http.GetStringAsync(new Uri(gateway.GatewayAddress, "metrics"));
        Assert.Matches("massrouter_rejected_requests_total\\{code=\"invalid_api_key\"\\} [1-9]", metrics);
    }

    private async Task<double> GcPauseSecondsAsync()
    {
        const string Series = "massrouter_gc_pause_seconds_total ";
        var metrics = await gateway.Http.GetStringAsync(new Uri(gateway.GatewayAddress, "metrics"));
        var line = metrics.Split('\n').Single(line => line.StartsWith(Series, StringComparison.Ordinal));
        return double.Parse(line[Series.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
