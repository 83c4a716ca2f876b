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

    [Theory]
    [InlineData("""{"model":x}""", "The request body is not valid JSON at line 1, byte 10: 'x' is an invalid start of a value.")]
    [InlineData("{\"model\":\"test/gpt\",\n\"max_tokens\":", "The request body is not valid JSON at line 2, byte 14: Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed.")]
    [InlineData("", "The request body is not valid JSON: the body is empty.")]
    [InlineData("""{"model":"test/gpt","max_tokens":16,"messages":[]} trailing""", "The request body is not valid JSON at line 1, byte 52: 't' is invalid after a single JSON value. Expected end of data.")]
    public async Task InvalidJson_Is400_SayingSo(string body, string message)
    {
        using var response = await gateway.Http.SendAsync(Request(new StringContent(body, Encoding.UTF8, "application/json")));

        Assert.Equal(message, await AnthropicErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task JsonWithoutModel_Is400_NamingTheField()
    {
        using var response = await gateway.Http.SendAsync(Request(new StringContent("[1,2]", Encoding.UTF8, "application/json")));

        Assert.StartsWith("model: Field required", await AnthropicErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest), StringComparison.Ordinal);
    }

    private HttpRequestMessage Request(HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.GatewayAddress, "v1/messages")) { Content = content };
        request.Headers.Add("x-api-key", GatewayFixture.Key);
        return request;
    }
}
