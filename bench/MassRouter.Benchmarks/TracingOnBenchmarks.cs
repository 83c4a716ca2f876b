using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Forwarding;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Providers;
using MassRouter.Gateway.Resilience;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace MassRouter.Benchmarks;

/// <summary>
/// What tracing on costs a request on its path: the request span's tags and one attempt's GenAI span, started, tagged,
/// ended, with a listener recording everything (as OpenTelemetry's sampler does at ratio 1). ASP.NET Core's server span,
/// the HTTP client span and the batched export (off the request path) come on top. Its own class: the listener is
/// process-wide, and BenchmarkDotNet runs each class in a process of its own.
/// </summary>
[MemoryDiagnoser]
public class TracingOnBenchmarks : IDisposable
{
    private readonly ApiKeyInfo _key = new("k_1", "bench", null) { Account = "u_1" };
    private ActivityListener? _listener;
    private ProviderEndpoint? _provider;
    private Deployment _deployment = null!;
    private ChatExchange _exchange = null!;
    private Activity? _request;

    [GlobalSetup]
    public void Setup()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is GatewayTracing.SourceName or "bench",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);
        _provider = new ProviderEndpoint("sim", new ProviderOptions { BaseUrl = "http://127.0.0.1:9/v1" });
        _deployment = new Deployment(
            "sim/openai", _provider, "sim-gpt", 1, 0, new DeploymentHealth("sim/sim-gpt"), null, new PriceTable(Options.Create(new MeteringOptions())), null);
        _exchange = new ChatExchange(_deployment, "sim/openai", "req_1", stream: true, stripUsageChunk: false, new GatewayMetrics(Prometheus.Metrics.NewCustomRegistry()), NullLogger.Instance);

        // The request's server span (ASP.NET Core's, in the gateway) as the parent.
        _request = new ActivitySource("bench").StartActivity("POST /v1/chat/completions", ActivityKind.Server);
    }

    [Benchmark]
    public void RequestAndAttemptSpans()
    {
        GatewayTracing.DescribeRequest(_key, "sim/openai", "req_1", ClientApi.ChatCompletions);
        var span = GatewayTracing.StartAttempt(ClientApi.ChatCompletions, _deployment, 1, stream: true)!;
        GatewayTracing.EndAttempt(span, _exchange, circuitOpen: false, ForwarderError.None);
        GatewayTracing.DescribeOutcome(_deployment, _exchange);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _request?.Dispose();
        _provider?.Dispose();
        _listener?.Dispose();
        GC.SuppressFinalize(this);
    }
}
