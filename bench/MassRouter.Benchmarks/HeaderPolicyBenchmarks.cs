using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using MassRouter.Gateway.Forwarding;
using Microsoft.AspNetCore.Http;

namespace MassRouter.Benchmarks;

/// <summary>
/// What the header policies cost per request: the client-only headers removed from a request the OpenAI SDK sends,
/// and the provider-only headers removed from what OpenAI answers with. Each is measured as the copy the forwarder makes
/// anyway with and without the policy, so the difference is the policy's own cost.
/// </summary>
[MemoryDiagnoser]
public class HeaderPolicyBenchmarks
{
    // The OpenAI .NET/Python SDKs' request headers (the body's Content-Type is a content header, not among these).
    private static readonly (string Name, string Value)[] ClientRequest =
    [
        ("Authorization", "Bearer sk-mr-0123456789abcdef0123456789abcdef"), ("Accept", "application/json"),
        ("User-Agent", "OpenAI/Python 1.99.9"), ("x-stainless-lang", "python"), ("x-stainless-package-version", "1.99.9"),
        ("x-stainless-os", "Linux"), ("x-stainless-arch", "x64"), ("x-stainless-runtime", "CPython"),
        ("x-stainless-runtime-version", "3.12.3"), ("x-stainless-retry-count", "0"), ("x-stainless-read-timeout", "600"),
    ];

    // api.openai.com's answer to a chat completion, as recorded in its responses.
    private static readonly (string Name, string Value)[] ProviderResponse =
    [
        ("Date", "Sun, 29 Nov 2026 07:00:00 GMT"), ("Connection", "keep-alive"), ("access-control-expose-headers", "X-Request-ID"),
        ("openai-organization", "org-operator"), ("openai-processing-ms", "412"), ("openai-project", "proj_operator"),
        ("openai-version", "2020-10-01"), ("x-envoy-upstream-service-time", "415"), ("x-ratelimit-limit-requests", "10000"),
        ("x-ratelimit-limit-tokens", "30000000"), ("x-ratelimit-remaining-requests", "9999"), ("x-ratelimit-remaining-tokens", "29999990"),
        ("x-ratelimit-reset-requests", "6ms"), ("x-ratelimit-reset-tokens", "0s"), ("x-request-id", "req_0123456789abcdef"),
        ("strict-transport-security", "max-age=31536000; includeSubDomains; preload"), ("cf-cache-status", "DYNAMIC"),
        ("set-cookie", "__cf_bm=abc; path=/; expires=Sun, 29-Nov-26 07:30:00 GMT; domain=.api.openai.com; HttpOnly; Secure; SameSite=None"),
        ("X-Content-Type-Options", "nosniff"), ("Server", "cloudflare"), ("CF-RAY", "8c7b2f6d9e1a2b3c-CDG"), ("alt-svc", "h3=\":443\"; ma=86400"),
    ];

    private readonly HttpResponseMessage _upstream = new();
    private readonly HeaderDictionary _relayed = new();

    [GlobalSetup]
    public void Setup()
    {
        foreach (var (name, value) in ProviderResponse)
        {
            _upstream.Headers.TryAddWithoutValidation(name, value);
        }
    }

    [Benchmark(Baseline = true)]
    public int RequestCopy() => CopyRequest().NonValidated.Count;

    [Benchmark]
    public int RequestCopyWithoutClientOnly()
    {
        var headers = CopyRequest();
        ClientOnlyHeaders.RemoveFrom(headers);
        return headers.NonValidated.Count;
    }

    [Benchmark]
    public int ResponseCopy() => CopyResponse();

    [Benchmark]
    public int ResponseCopyWithoutProviderOnly()
    {
        CopyResponse();
        ProviderOnlyHeaders.RemoveFrom(_relayed, _upstream.Headers.NonValidated);
        return _relayed.Count;
    }

    private static HttpRequestHeaders CopyRequest()
    {
        var headers = new HttpRequestMessage().Headers;
        foreach (var (name, value) in ClientRequest)
        {
            headers.TryAddWithoutValidation(name, value);
        }

        return headers;
    }

    private int CopyResponse()
    {
        _relayed.Clear();
        foreach (var header in _upstream.Headers.NonValidated)
        {
            _relayed[header.Key] = header.Value.ToString();
        }

        return _relayed.Count;
    }
}
