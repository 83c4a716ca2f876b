using BenchmarkDotNet.Attributes;
using MassRouter.Gateway.Cors;
using Microsoft.AspNetCore.Http;

namespace MassRouter.Benchmarks;

/// <summary>
/// What browser access costs a request: nothing but a header lookup for the SDKs outside a browser (no Origin), the
/// answer's headers registered for a page's request, and a whole preflight answered by the gateway.
/// </summary>
[MemoryDiagnoser]
public class CrossOriginBenchmarks
{
    private static readonly RequestDelegate Endpoint = _ => Task.CompletedTask;

    private readonly CrossOriginRequests _anyOrigin = new(new CorsOptions());
    private readonly CrossOriginRequests _listed = new(new CorsOptions { AllowedOrigins = ["https://app.example.com", "https://*.example.org"] });

    // One context per case, reused: what is measured is the middleware, not building a request. (A DefaultHttpContext's
    // OnStarting keeps nothing, so the registrations do not pile up; the answer's headers are set when a response starts.)
    private readonly DefaultHttpContext _sdk = Context(origin: null);
    private readonly DefaultHttpContext _page = Context("http://localhost:5173");
    private readonly DefaultHttpContext _subdomain = Context("https://eu.example.org");
    private readonly DefaultHttpContext _preflight = Context("http://localhost:5173", preflight: true);

    [Benchmark(Baseline = true)]
    public Task NoMiddleware() => Endpoint(_sdk);

    [Benchmark]
    public Task WithoutOrigin() => _anyOrigin.InvokeAsync(_sdk, Endpoint);

    [Benchmark]
    public Task PageRequest_AnyOrigin() => _anyOrigin.InvokeAsync(_page, Endpoint);

    [Benchmark]
    public Task PageRequest_SubdomainPattern() => _listed.InvokeAsync(_subdomain, Endpoint);

    [Benchmark]
    public Task Preflight_AnyOrigin() => _anyOrigin.InvokeAsync(_preflight, Endpoint);

    private static DefaultHttpContext Context(string? origin, bool preflight = false)
    {
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = preflight ? HttpMethods.Options : HttpMethods.Post;
        request.Path = "/v1/chat/completions";
        request.Headers.Authorization = "Bearer sk-mr-0123456789abcdef0123456789abcdef";
        if (origin is not null)
        {
            request.Headers.Origin = origin;
        }

        if (preflight)
        {
            request.Headers.AccessControlRequestMethod = "POST";
            request.Headers.AccessControlRequestHeaders = "authorization,content-type,x-stainless-os";
        }

        return context;
    }
}
