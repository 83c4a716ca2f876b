using System.Net;
using System.Text;
using MassRouter.Gateway.Tests.Infrastructure;

namespace MassRouter.Gateway.Tests.Forwarding;

/// <summary><c>/v1/messages</c> refuses what it cannot serve with Anthropic-shaped errors, as the OpenAI route does in its shape.</summary>
[Collection(GatewayCollection.Name)]
public class MessagesBadInputTests(GatewayFixture gateway)
{
    private const string Hello = """{"model":"test/gpt","max_tokens":16,"messages":[{"role":"user","content":"Hi"}]}""";

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task UnsupportedMethod_Is405_WithAllow(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(gateway.GatewayAddress, "v1/messages"));
        using var response = await gateway.Http.SendAsync(request);

        await AnthropicErrorAssert.IsErrorAsync(response, HttpStatusCode.MethodNotAllowed);
        Assert.Contains("POST", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task WrongContentType_Is415()
    {
        using var request = Request(new StringContent(Hello, Encoding.UTF8, "text/plain"));
        using var response = await gateway.Http.SendAsync(request);

        await AnthropicErrorAssert.IsErrorAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    private HttpRequestMessage Request(HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.GatewayAddress, "v1/messages")) { Content = content };
        request.Headers.Add("x-api-key", GatewayFixture.Key);
        return request;
    }
}
