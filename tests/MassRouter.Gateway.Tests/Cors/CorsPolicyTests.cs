using System.Net;
using MassRouter.Gateway.Tests.Forwarding;
using MassRouter.Gateway.Tests.Infrastructure;
using MassRouter.Gateway.Tests.Resilience;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Tests.Cors;

/// <summary>Two gateways: one with a list of allowed origins, one with browser access off.</summary>
public sealed class CorsPolicyFixture : IAsyncLifetime
{
    private WebApplication? _listed;
    private WebApplication? _off;

    public Uri Listed { get; private set; } = null!;

    public Uri Off { get; private set; } = null!;

    public HttpClient Http { get; } = new(new SocketsHttpHandler { UseProxy = false });

    public async Task InitializeAsync()
    {
        _listed = await GatewayFixture.StartGatewayAsync(CorsPolicyTests.Configuration(
            ("MassRouter:Cors:AllowedOrigins:0", "https://app.example.com"),
            ("MassRouter:Cors:AllowedOrigins:1", "https://*.example.org"),
            ("MassRouter:Cors:PreflightMaxAge", "00:10:00")));
        Listed = new Uri(_listed.Urls.First());
        _off = await GatewayFixture.StartGatewayAsync(CorsPolicyTests.Configuration(("MassRouter:Cors:Enabled", "false")));
        Off = new Uri(_off.Urls.First());
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await GatewayFixture.StopAsync(_listed);
        await GatewayFixture.StopAsync(_off);
    }
}

/// <summary>A list of allowed origins, and browser access off.</summary>
public sealed class CorsPolicyTests(CorsPolicyFixture gateways) : IClassFixture<CorsPolicyFixture>
{
    private readonly HttpClient _http = gateways.Http;
    private readonly Uri _listedAddress = gateways.Listed;
    private readonly Uri _offAddress = gateways.Off;

    [Theory]
    [InlineData("https://app.example.com")]
    [InlineData("https://eu.example.org")]
    [InlineData("https://a.b.example.org")]
    public async Task ListedOrigin_IsNamedBack_AndTheAnswerVariesByOrigin(string origin)
    {
        using var preflight = await _http.SendAsync(CrossOriginTests.Preflight(_listedAddress, "v1/chat/completions", origin, "authorization,content-type"));

        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal(origin, CrossOriginTests.Single(preflight, "Access-Control-Allow-Origin"));
        Assert.Equal("600", CrossOriginTests.Single(preflight, "Access-Control-Max-Age"));
        Assert.Contains("Origin", preflight.Headers.Vary);

        // The model is unknown here: the 404 is as readable to the page as an answer.
        using var request = GatewayFixture.ChatRequest(_listedAddress, """{"model":"nope","messages":[{"role":"user","content":"hi"}]}""", GatewayFixture.Key, ("Origin", origin));
        using var response = await _http.SendAsync(request);

        Assert.Equal(origin, CrossOriginTests.Single(response, "Access-Control-Allow-Origin"));
        Assert.Contains("Origin", response.Headers.Vary);
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("https://evil.example.com")]
    [InlineData("http://app.example.com")]
    [InlineData("https://example.org")]
    [InlineData("https://evilexample.org")]
    [InlineData("https://eu.example.org:8443")]
    [InlineData("null")]
    public async Task UnlistedOrigin_PreflightIsRefused_InTheRoutesOwnShape(string origin)
    {
        using var chat = await _http.SendAsync(CrossOriginTests.Preflight(_listedAddress, "v1/chat/completions", origin, "authorization"));
        Assert.False(chat.Headers.Contains("Access-Control-Allow-Origin"));
        await OpenAIErrorAssert.IsErrorAsync(chat, HttpStatusCode.Forbidden, "origin_not_allowed");

        using var messages = await _http.SendAsync(CrossOriginTests.Preflight(_listedAddress, "v1/messages", origin, "x-api-key"));
        Assert.False(messages.Headers.Contains("Access-Control-Allow-Origin"));
        await AnthropicErrorAssert.IsErrorAsync(messages, HttpStatusCode.Forbidden, "permission_error");
    }

    [Fact]
    public async Task UnlistedOrigin_GetsNoAllowOrigin_OnAnAnswer()
    {
        using var request = GatewayFixture.ChatRequest(_listedAddress, """{"model":"nope","messages":[{"role":"user","content":"hi"}]}""", GatewayFixture.Key, ("Origin", "https://evil.example.com"));
        using var response = await _http.SendAsync(request);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Off_PreflightIsAnOrdinaryOptions_AndAnswersCarryNoCorsHeaders()
    {
        using var preflight = await _http.SendAsync(CrossOriginTests.Preflight(_offAddress, "v1/chat/completions", "https://app.example.com", "authorization"));
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"));
        await OpenAIErrorAssert.IsErrorAsync(preflight, HttpStatusCode.MethodNotAllowed, "method_not_allowed");

        using var request = GatewayFixture.ChatRequest(_offAddress, """{"model":"nope","messages":[{"role":"user","content":"hi"}]}""", GatewayFixture.Key, ("Origin", "https://app.example.com"));
        using var response = await _http.SendAsync(request);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("https://app.example.com/")]
    [InlineData("https://app.example.com/path")]
    [InlineData("app.example.com")]
    [InlineData("https://app.*.com")]
    [InlineData("https://*")]
    public async Task NotAnOrigin_StopsStartUp_NamingTheSetting(string origin)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var gateway = await GatewayFixture.StartGatewayAsync(Configuration(("MassRouter:Cors:AllowedOrigins:0", origin)));
        });
        Assert.Contains($"MassRouter:Cors:AllowedOrigins '{origin}' must be *, an origin", error.Message, StringComparison.Ordinal);
    }

    internal static Dictionary<string, string?> Configuration(params (string Key, string Value)[] settings)
    {
        var config = new Dictionary<string, string?>
        {
            ["MassRouter:ApiKeys:0:Key"] = GatewayFixture.Key,
            ["MassRouter:Providers:sim:BaseUrl"] = "http://127.0.0.1:9/v1",
            ["MassRouter:Models:0:Id"] = "m",
            ["MassRouter:Models:0:Deployments:0:Provider"] = "sim",
        };
        foreach (var (key, value) in settings)
        {
            config[key] = value;
        }

        return config;
    }
}

/// <summary>An answer that reaches the page after a retry still says the page may read it.</summary>
[Collection(ResilienceCollection.Name)]
public class CorsRetryTests(ResilienceFixture gateway)
{
    [Fact]
    public async Task AnswerAfterARetry_StillMayBeRead()
    {
        using var request = gateway.ChatRequest("""{"model":"r/cors-retry","messages":[{"role":"user","content":"hi"}]}""", GatewayFixture.Key, ("Origin", "http://localhost:5173"), ("x-sim-fault", "status:503"));
        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", CrossOriginTests.Single(response, "x-massrouter-provider"));
        Assert.Equal("*", CrossOriginTests.Single(response, "Access-Control-Allow-Origin"));
    }
}
