using System.Net;
using MassRouter.Gateway.Tests.Forwarding;
using MassRouter.Gateway.Tests.Infrastructure;

namespace MassRouter.Gateway.Tests.Cors;

/// <summary>A web page on another origin calling the gateway with the default policy (any origin), as a browser does it.</summary>
[Collection(GatewayCollection.Name)]
public class CrossOriginTests(GatewayFixture gateway)
{
    private const string Page = "http://localhost:5173";

    [Fact]
    public async Task Preflight_IsAnsweredByTheGateway_NamingTheHeadersAskedFor()
    {
        using var response = await gateway.Http.SendAsync(Preflight("v1/chat/completions", Page, "authorization,content-type,x-stainless-os"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", Single(response, "Access-Control-Allow-Origin"));
        Assert.Contains("POST", Single(response, "Access-Control-Allow-Methods"), StringComparison.Ordinal);
        Assert.Equal("authorization,content-type,x-stainless-os", Single(response, "Access-Control-Allow-Headers"));
        Assert.Equal("7200", Single(response, "Access-Control-Max-Age"));
        Assert.StartsWith("req_", Single(response, "x-request-id"), StringComparison.Ordinal);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Preflight_OfMessages_AllowsTheAnthropicSdksBrowserHeaders()
    {
        const string asked = "anthropic-dangerous-direct-browser-access,anthropic-version,content-type,x-api-key";
        using var response = await gateway.Http.SendAsync(Preflight("v1/messages", Page, asked));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", Single(response, "Access-Control-Allow-Origin"));
        Assert.Equal(asked, Single(response, "Access-Control-Allow-Headers"));
        Assert.Equal(Single(response, "x-request-id"), Single(response, "request-id"));
    }

    [Fact]
    public async Task Stream_ToAnotherOrigin_MayBeReadAndIsRelayedWhole()
    {
        using var request = gateway.ChatRequest("""{"model":"test/gpt","stream":true,"messages":[{"role":"user","content":"hi"}]}""", GatewayFixture.Key, ("Origin", Page), ("x-sim-tokens", "5"));
        using var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", Single(response, "Access-Control-Allow-Origin"));
        Assert.Equal("*", Single(response, "Access-Control-Expose-Headers"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_ToAnotherOrigin_MayBeRead()
    {
        using var request = gateway.ChatRequest("""{"model":"test/gpt","messages":[{"role":"user","content":"hi"}]}""", "sk-wrong", ("Origin", Page));
        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal("*", Single(response, "Access-Control-Allow-Origin"));
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Models_ToAnotherOrigin_MayBeRead()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.GatewayAddress, "v1/models"));
        request.Headers.Authorization = new("Bearer", GatewayFixture.Key);
        request.Headers.Add("Origin", Page);
        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", Single(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Origin_IsTheGatewaysToAnswer_NotSentToTheProvider()
    {
        using var request = gateway.ChatRequest("""{"model":"test/gpt","messages":[{"role":"user","content":"hi"}]}""", GatewayFixture.Key, ("Origin", Page), ("x-sim-request-id", "cors-origin"));
        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = (await gateway.RecordedRequestAsync("cors-origin"))["headers"]!.AsObject();
        Assert.Contains(received, h => h.Key.Equals("content-type", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(received, h => h.Key.Equals("origin", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task RequestsWithoutAnOrigin_GetNoCorsHeaders()
    {
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest("""{"model":"test/gpt","messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(response.Headers, h => h.Key.StartsWith("Access-Control-", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Options_ThatIsNotAPreflight_IsStillMethodNotAllowed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, new Uri(gateway.GatewayAddress, "v1/chat/completions"));
        request.Headers.Add("Origin", Page);
        using var response = await gateway.Http.SendAsync(request);

        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    internal static HttpRequestMessage Preflight(Uri gateway, string path, string origin, string? headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, new Uri(gateway, path));
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        if (headers is not null)
        {
            request.Headers.Add("Access-Control-Request-Headers", headers);
        }

        return request;
    }

    internal static string Single(HttpResponseMessage response, string name) =>
        Assert.Single(response.Headers.TryGetValues(name, out var values) ? values : response.Content.Headers.GetValues(name));

    private HttpRequestMessage Preflight(string path, string origin, string? headers) => Preflight(gateway.GatewayAddress, path, origin, headers);
}
