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

    [Fact]
    public async Task BodyOverLimit_Is413_AndClosesTheConnection()
    {
        var big = $$"""{"model":"test/gpt","max_tokens":16,"messages":[{"role":"user","content":"{{new string('x', GatewayFixture.MaxBodyBytes)}}"}]}""";
        using var response = await gateway.Http.SendAsync(Request(new StringContent(big, Encoding.UTF8, "application/json")));

        await AnthropicErrorAssert.IsErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "request_too_large");
        Assert.True(response.Headers.ConnectionClose);
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

    [Theory]
    [InlineData("\"max_tokens\":\"abc\"", "max_tokens: Input should be a valid integer")]
    [InlineData("\"max_tokens\":99999999999999999999", "max_tokens: Input should be less than or equal to 2147483647")]
    [InlineData("\"max_tokens\":1e30", "max_tokens: Input should be less than or equal to 2147483647")]
    [InlineData("\"temperature\":\"hot\"", "temperature: Input should be a valid number")]
    [InlineData("\"stream\":\"yes\"", "stream: Input should be a valid boolean")]
    [InlineData("\"stop_sequences\":\"END\"", "stop_sequences: Input should be a valid list")]
    [InlineData("\"system\":5", "system: Input should be a valid string or a list of text blocks")]
    [InlineData("\"metadata\":{\"user_id\":7}", "metadata.user_id: Input should be a valid string")]
    [InlineData("\"tools\":{}", "tools: Input should be a valid list")]
    [InlineData("\"tool_choice\":\"auto\"", "tool_choice: Input should be a valid dictionary")]
    public async Task TranslatedModel_WrongType_Is400NamingTheField_BeforeAnyUpstreamCall(string field, string message)
    {
        var id = Guid.NewGuid().ToString("N");
        // Types are checked before required fields, so no max_tokens is needed to reach the one under test.
        using var request = Request(new StringContent($$"""{"model":"test/gpt",{{field}},"messages":[{"role":"user","content":"Hi"}]}""", Encoding.UTF8, "application/json"));
        request.Headers.Add("x-sim-request-id", id);
        using var response = await gateway.Http.SendAsync(request);

        Assert.Equal(message, await AnthropicErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest));
        using var recorded = await gateway.Http.GetAsync(new Uri(gateway.SimulatorAddress, $"sim/requests/{id}"));
        Assert.Equal(HttpStatusCode.NotFound, recorded.StatusCode);
    }

    [Fact]
    public async Task NestingAsDeepAsChatCompletionsTakes_IsServed()
    {
        // 256 levels, as /v1/chat/completions takes: the Anthropic route used to stop at System.Text.Json's default of 64.
        var body = $$"""{"model":"test/gpt","max_tokens":16,"metadata":{"x":{{new string('[', 253)}}{}{{new string(']', 253)}}},"messages":[{"role":"user","content":"Hi"}]}""";
        using var response = await gateway.Http.SendAsync(Request(new StringContent(body, Encoding.UTF8, "application/json")));

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("test/gpt")]
    [InlineData("test/claude")]
    public async Task NestingBeyondTheLimit_Is400_SayingHowDeepIsAllowed(string model)
    {
        var body = $$"""{"model":"{{model}}","max_tokens":16,"metadata":{"x":{{new string('[', 254)}}{}{{new string(']', 254)}}},"messages":[{"role":"user","content":"Hi"}]}""";
        using var response = await gateway.Http.SendAsync(Request(new StringContent(body, Encoding.UTF8, "application/json")));

        var message = await AnthropicErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.StartsWith("The request body is nested too deeply at line 1, byte ", message, StringComparison.Ordinal);
        Assert.EndsWith(": at most 256 levels of objects and arrays are accepted.", message, StringComparison.Ordinal);
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
