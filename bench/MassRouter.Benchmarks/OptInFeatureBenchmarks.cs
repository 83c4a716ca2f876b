using BenchmarkDotNet.Attributes;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Caching;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Prometheus;

namespace MassRouter.Benchmarks;

/// <summary>
/// What the opt-in features cost a request that does not use them: the response cache's look for its header (every
/// request on the OpenAI routes), and tracing switched off (the request's span tags and an attempt's span: a look at
/// <c>Activity.Current</c> and whether anything listens).
/// </summary>
[MemoryDiagnoser]
public class OptInFeatureBenchmarks
{
    private static readonly byte[] Body = """{"model":"sim/openai","messages":[{"role":"user","content":"hi"}]}"""u8.ToArray();

    private readonly ApiKeyInfo _key = new("k_1", "bench", null) { Account = "u_1" };
    private readonly DefaultHttpContext _context = Context();
    private readonly ResponseCaching _caching = new(
        new LocalResponseCache(1024 * 1024),
        Options.Create(new GatewayOptions()),
        new GatewayMetrics(Metrics.NewCustomRegistry()),
        TimeProvider.System);

    [Benchmark(Baseline = true)]
    public bool Nothing() => _context.Request.Headers.ContainsKey("x-nothing-here") is false;

    [Benchmark]
    public bool CacheNotAskedFor() => _caching.TryRead(_context, _key, ClientApi.ChatCompletions, Body, stream: false, modelTtl: null, out _, out _);

    [Benchmark]
    public bool TracingOff()
    {
        GatewayTracing.DescribeRequest(_key, "sim/openai", "req_1", ClientApi.ChatCompletions);
        return GatewayTracing.StartAttempt(ClientApi.ChatCompletions, null!, 1, stream: true) is null;
    }

    private static DefaultHttpContext Context()
    {
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = HttpMethods.Post;
        request.Path = "/v1/chat/completions";
        request.Headers.Authorization = "Bearer sk-mr-0123456789abcdef0123456789abcdef";
        request.Headers.ContentType = "application/json";
        request.Headers.UserAgent = "OpenAI/Python 2.8.1";
        request.Headers["x-stainless-lang"] = "python";
        request.Headers["x-stainless-retry-count"] = "0";
        return context;
    }
}
