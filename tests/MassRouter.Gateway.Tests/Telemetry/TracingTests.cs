using System.Net;
using MassRouter.Gateway.Tests.Infrastructure;
using MassRouter.Tests.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace MassRouter.Gateway.Tests.Telemetry;

/// <summary>
/// Tracing on (<c>MassRouter:Tracing:OtlpEndpoint</c>): a gateway exporting to an OTLP collector on loopback. In the
/// gateway collection because its tracer listens process-wide while it runs (the other gateways of this process make
/// spans then too), and <see cref="Configuration.RequestActivityTests"/> must see none.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class TracingTests(GatewayFixture gateway) : IAsyncLifetime
{
    // Its own client, writing no traceparent: the gateway's tracer listens process-wide, so this test's requests would
    // otherwise start client spans of their own, and replace the traceparent a test sends with theirs.
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false, ActivityHeadersPropagator = null });
    private OtlpReceiver _collector = null!;
    private WebApplication _traced = null!;

    public async Task InitializeAsync()
    {
        _collector = await OtlpReceiver.StartAsync();
        var simV1 = new Uri(gateway.SimulatorAddress, "v1").ToString();
        _traced = await GatewayFixture.StartGatewayAsync(new Dictionary<string, string?>
        {
            ["MassRouter:Metering:Enabled"] = "false",
            ["MassRouter:ApiKeys:0:Key"] = GatewayFixture.Key,
            ["MassRouter:Providers:sim:BaseUrl"] = simV1,
            ["MassRouter:Providers:sim:ApiKey"] = GatewayFixture.UpstreamCredential,
            ["MassRouter:Providers:claude:Kind"] = "anthropic",
            ["MassRouter:Providers:claude:BaseUrl"] = simV1,
            ["MassRouter:Providers:claude:ApiKey"] = GatewayFixture.UpstreamCredential,
            ["MassRouter:Providers:dead:BaseUrl"] = "http://127.0.0.1:9/v1",
            ["MassRouter:Models:0:Id"] = "traced/gpt",
            ["MassRouter:Models:0:Deployments:0:Provider"] = "sim",
            ["MassRouter:Models:0:Deployments:0:Model"] = "sim-upstream-model",
            ["MassRouter:Models:1:Id"] = "traced/fallback",
            ["MassRouter:Models:1:Deployments:0:Provider"] = "dead",
            ["MassRouter:Models:1:Deployments:0:Model"] = "never-reached",
            ["MassRouter:Models:1:Deployments:1:Provider"] = "claude",
            ["MassRouter:Models:1:Deployments:1:Model"] = "sim-claude-upstream",
            ["MassRouter:Resilience:MaxAttempts"] = "3",
            ["MassRouter:Tracing:OtlpEndpoint"] = _collector.Address.ToString(),
            ["MassRouter:Tracing:ServiceName"] = "gateway-under-test",
        });
    }

    public async Task DisposeAsync()
    {
        await GatewayFixture.StopAsync(_traced);
        await _collector.DisposeAsync();
    }

    [Fact]
    public async Task AStreamedChatRequest_IsAServerSpan_WithAGenAIClientSpanPerAttempt_PropagatedToTheProvider()
    {
        var id = Guid.NewGuid().ToString("N");
        string requestId;
        using (var request = Chat("traced/gpt", stream: true, ("x-sim-request-id", id), ("x-sim-tokens", "6")))
        using (var response = await Http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await response.Content.ReadAsStringAsync();
            requestId = response.Headers.GetValues("x-request-id").Single();
        }

        var server = await SpanAsync(s => s.Kind == ReceivedSpan.Server && (string?)s["massrouter.request_id"] == requestId);
        var attempt = await SpanAsync(s => s.ParentSpanId == server.SpanId && s.Kind == ReceivedSpan.Client);

        Assert.Equal("traced/gpt", server["massrouter.model"]);
        Assert.Equal("chat_completions", server["massrouter.api"]);
        Assert.Equal("sim", server["massrouter.provider"]);
        Assert.Equal(6L, server["gen_ai.usage.output_tokens"]);
        Assert.Equal("gateway-under-test", attempt.Resource["service.name"]);

        Assert.Equal("chat sim-upstream-model", attempt.Name);
        Assert.Equal(server.TraceId, attempt.TraceId);
        Assert.Equal("chat", attempt["gen_ai.operation.name"]);
        Assert.Equal("openai", attempt["gen_ai.provider.name"]);
        Assert.Equal("sim-upstream-model", attempt["gen_ai.request.model"]);
        Assert.Equal("traced/gpt", attempt["massrouter.model"]);
        Assert.Equal(1L, attempt["massrouter.attempt"]);
        Assert.Equal(true, attempt["massrouter.stream"]);
        Assert.Equal(200L, attempt["http.response.status_code"]);
        Assert.Equal(6L, attempt["gen_ai.usage.output_tokens"]);
        Assert.True((long)attempt["gen_ai.usage.input_tokens"]! > 0);
        Assert.Contains("gen_ai.first_token", attempt.Events);
        Assert.InRange((double)attempt["massrouter.time_to_first_token"]!, 0, 10);
        Assert.Null(attempt["error.type"]);

        // The provider's request is the attempt's HTTP client span, whose context it carries: its own traces join the gateway's.
        var headers = (await gateway.RecordedRequestAsync(id))["headers"]!.AsObject();
        var http = await SpanAsync(s => s.ParentSpanId == attempt.SpanId);
        Assert.Equal(ReceivedSpan.Client, http.Kind);
        Assert.Equal($"00-{attempt.TraceId}-{http.SpanId}-01", (string?)headers["traceparent"]);
    }

    [Fact]
    public async Task AFallback_IsTwoAttemptSpans_TheFailedOneAnError()
    {
        using var request = Chat("traced/fallback", stream: false, ("x-sim-tokens", "3"));
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requestId = response.Headers.GetValues("x-request-id").Single();

        var server = await SpanAsync(s => s.Kind == ReceivedSpan.Server && (string?)s["massrouter.request_id"] == requestId);
        await Eventually(() => _collector.Spans.Count(s => s.ParentSpanId == server.SpanId) == 2);
        var attempts = _collector.Spans.Where(s => s.ParentSpanId == server.SpanId).OrderBy(s => (long)s["massrouter.attempt"]!).ToList();

        Assert.Equal("chat never-reached", attempts[0].Name);
        Assert.Equal("connect_failure", attempts[0]["error.type"]);
        Assert.Equal(ReceivedSpan.StatusError, attempts[0].StatusCode);
        Assert.Equal("dead", attempts[0]["massrouter.provider"]);
        Assert.Equal("chat sim-claude-upstream", attempts[1].Name);
        Assert.Equal("anthropic", attempts[1]["gen_ai.provider.name"]);
        Assert.Equal(3L, attempts[1]["gen_ai.usage.output_tokens"]);
        Assert.Null(attempts[1]["error.type"]);
        Assert.Equal("claude", server["massrouter.provider"]);
    }

    [Fact]
    public async Task ACallersTraceparent_IsContinued()
    {
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        const string CallerSpan = "00f067aa0ba902b7";
        using var request = Chat("traced/gpt", stream: false, ("traceparent", $"00-{traceId}-{CallerSpan}-01"));
        using var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // (The simulator, in this process too, makes a server span of the same trace: the gateway's is the caller's child.)
        var server = await SpanAsync(s => s.TraceId == traceId && s.ParentSpanId == CallerSpan);
        Assert.Equal(ReceivedSpan.Server, server.Kind);
        Assert.NotNull(server["massrouter.request_id"]);
        await SpanAsync(s => s.TraceId == traceId && s.ParentSpanId == server.SpanId && s.Name == "chat sim-upstream-model");
    }

    [Fact]
    public async Task ProbesAndScrapes_AreNotTraced()
    {
        var marker = Guid.NewGuid().ToString("N");
        foreach (var path in new[] { "healthz", "readyz", "metrics" })
        {
            using var probe = await Http.GetAsync(new Uri(Traced, path + "?" + marker));
            Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        }

        // A request after them, exported after them: once it is here, so would they be.
        using var request = Chat("traced/gpt", stream: false);
        using var response = await Http.SendAsync(request);
        var requestId = response.Headers.GetValues("x-request-id").Single();
        await SpanAsync(s => (string?)s["massrouter.request_id"] == requestId);

        Assert.DoesNotContain(_collector.Spans, s => s.Attributes.Values.OfType<string>().Any(v => v.Contains(marker, StringComparison.Ordinal)));
    }

    private Uri Traced => new(_traced.Urls.First());

    private HttpRequestMessage Chat(string model, bool stream, params (string Name, string Value)[] headers)
    {
        var request = gateway.JsonPost("v1/chat/completions", $$"""{"model":"{{model}}","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""", headers: headers);
        request.RequestUri = new Uri(Traced, "v1/chat/completions");
        return request;
    }

    /// <summary>The first exported span matching <paramref name="match"/>, flushing the exporter until it comes.</summary>
    private async Task<ReceivedSpan> SpanAsync(Func<ReceivedSpan, bool> match)
    {
        ReceivedSpan? found = null;
        await Eventually(() => (found = _collector.Spans.FirstOrDefault(match)) is not null);
        return found!;
    }

    private async Task Eventually(Func<bool> condition)
    {
        var tracer = _traced.Services.GetRequiredService<TracerProvider>();
        for (var i = 0; i < 100; i++)
        {
            if (condition())
            {
                return;
            }

            // The server span ends just after the client has its answer: flush, and look again.
            tracer.ForceFlush(2000);
            await Task.Delay(50);
        }

        Assert.Fail("The expected spans never reached the collector: " + string.Join(", ", _collector.Spans.Select(s => s.Name)));
    }
}
