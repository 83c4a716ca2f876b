using System.Net;
using System.Text;
using MassRouter.Gateway.Tests.Infrastructure;

namespace MassRouter.Gateway.Tests.Forwarding;

[Collection(GatewayCollection.Name)]
public class BadInputTests(GatewayFixture gateway)
{
    [Theory]
    [InlineData("{\"model\":\"test/gpt\",", "invalid_json")]
    [InlineData("not json at all", "invalid_json")]
    [InlineData("[1,2]", "invalid_request_body")]
    [InlineData("{\"messages\":[]}", "missing_required_parameter")]
    [InlineData("{\"model\":\"\",\"messages\":[]}", "missing_required_parameter")]
    [InlineData("{\"model\":[],\"messages\":[]}", "invalid_type")]
    public async Task MalformedBody_Is400(string body, string code)
    {
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest(body));
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest, code);
    }

    [Theory]
    [InlineData("""{"model":x}""", "The request body is not valid JSON at line 1, byte 10: 'x' is an invalid start of a value.")]
    [InlineData("", "The request body is not valid JSON: the body is empty.")]
    public async Task InvalidJson_Is400_SayingSoWithThePositionOnce(string body, string message)
    {
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest(body));
        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest, "invalid_json");
        Assert.Equal(message, error["message"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("\"max_tokens\":\"abc\"", "max_tokens", "invalid_type", "Invalid type for 'max_tokens': expected an integer, but got a string instead.")]
    [InlineData("\"max_tokens\":99999999999999999999", "max_tokens", "integer_above_max_value", "Invalid 'max_tokens': integer above maximum value. Expected a value <= 2147483647, but got 99999999999999999999 instead.")]
    [InlineData("\"max_completion_tokens\":1e30", "max_completion_tokens", "integer_above_max_value", "Invalid 'max_completion_tokens': integer above maximum value. Expected a value <= 2147483647, but got 1e30 instead.")]
    [InlineData("\"stream\":\"yes\"", "stream", "invalid_type", "Invalid type for 'stream': expected a boolean, but got a string instead.")]
    [InlineData("\"stream_options\":{\"include_usage\":1}", "stream_options.include_usage", "invalid_type", "Invalid type for 'stream_options.include_usage': expected a boolean, but got an integer instead.")]
    public async Task PassthroughModel_FieldTheGatewayReads_OfTheWrongType_Is400NamingIt_BeforeAnyUpstreamCall(string field, string param, string code, string message)
    {
        var id = Guid.NewGuid().ToString("N");
        using var response = await gateway.Http.SendAsync(
            gateway.ChatRequest($$"""{"model":"test/gpt",{{field}},"messages":[{"role":"user","content":"hi"}]}""", headers: ("x-sim-request-id", id)));

        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest, code);
        Assert.Equal((param, message), (error["param"]!.GetValue<string>(), error["message"]!.GetValue<string>()));
        using var recorded = await gateway.Http.GetAsync(new Uri(gateway.SimulatorAddress, $"sim/requests/{id}"));
        Assert.Equal(HttpStatusCode.NotFound, recorded.StatusCode);
    }

    [Fact]
    public async Task PassthroughModel_FieldOnlyTheProviderReads_IsForwardedAsSent()
    {
        var id = Guid.NewGuid().ToString("N");
        using var response = await gateway.Http.SendAsync(
            gateway.ChatRequest("""{"model":"test/gpt","temperature":"hot","messages":[{"role":"user","content":"hi"}]}""", headers: ("x-sim-request-id", id)));

        var body = System.Text.Json.Nodes.JsonNode.Parse((string)(await gateway.RecordedRequestAsync(id))["body"]!)!;
        Assert.Equal("hot", body["temperature"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("test/gpt")]
    [InlineData("test/claude")]
    public async Task NestingBeyondTheLimit_Is400_SayingHowDeepIsAllowed(string model)
    {
        var body = $$"""{"model":"{{model}}","messages":[],"metadata":{{new string('[', 256)}}{{new string(']', 256)}}}""";
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest(body));

        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest, "invalid_json");
        Assert.StartsWith("The request body is nested too deeply at line 1, byte ", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.EndsWith(": at most 256 levels of objects and arrays are accepted.", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownModel_Is404ModelNotFound()
    {
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest("""{"model":"nope/nothing","messages":[]}"""));
        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.NotFound, "model_not_found");
        Assert.Equal("model", error["param"]!.GetValue<string>());
    }

    [Fact]
    public async Task WrongContentType_Is415()
    {
        using var request = gateway.ChatRequest("""{"model":"test/gpt","messages":[]}""");
        request.Content = new StringContent("""{"model":"test/gpt","messages":[]}""", Encoding.UTF8, "text/plain");
        using var response = await gateway.Http.SendAsync(request);
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task BodyOverLimit_Is413_WithContentLength()
    {
        var big = $$"""{"model":"test/gpt","messages":[{"role":"user","content":"{{new string('x', GatewayFixture.MaxBodyBytes)}}"}]}""";
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest(big));
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "request_too_large");
        // The unread rest of the body ends the connection: the client must be told not to pool it.
        Assert.True(response.Headers.ConnectionClose);
    }

    [Fact]
    public async Task BodyOverLimit_Is413_WhenChunked()
    {
        var big = Encoding.UTF8.GetBytes($$"""{"model":"test/gpt","messages":[{"role":"user","content":"{{new string('x', GatewayFixture.MaxBodyBytes)}}"}]}""");
        using var request = gateway.ChatRequest("{}");
        request.Content = new StreamContent(new UnknownLengthStream(big));
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await gateway.Http.SendAsync(request);
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "request_too_large");
        // The unread rest of the body ends the connection: the client must be told not to pool it.
        Assert.True(response.Headers.ConnectionClose);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task UnsupportedMethod_Is405(string method)
    {
        foreach (var path in new[] { "v1/chat/completions", "v1/embeddings" })
        {
            await UnsupportedMethodIs405Async(method, path);
        }
    }

    private async Task UnsupportedMethodIs405Async(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(gateway.GatewayAddress, path));
        using var response = await gateway.Http.SendAsync(request);
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        Assert.Contains("POST", response.Content.Headers.Allow);
        Assert.StartsWith("req_", Assert.Single(response.Headers.GetValues("x-request-id")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "v1/nothing-here")]
    [InlineData("POST", "v1/audio/speech")]
    public async Task UnknownPath_Is404_WithARequestId(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(gateway.GatewayAddress, path));
        using var response = await gateway.Http.SendAsync(request);
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.NotFound, "unknown_url");
        Assert.StartsWith("req_", Assert.Single(response.Headers.GetValues("x-request-id")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("POST", "chat/completions", "Did you mean /v1/chat/completions? OpenAI SDKs take a base URL ending in /v1")]
    [InlineData("POST", "embeddings", "Did you mean /v1/embeddings? OpenAI SDKs take a base URL ending in /v1")]
    [InlineData("POST", "completions", "Did you mean /v1/completions? OpenAI SDKs take a base URL ending in /v1")]
    [InlineData("POST", "moderations", "Did you mean /v1/moderations? OpenAI SDKs take a base URL ending in /v1")]
    [InlineData("GET", "models", "Did you mean /v1/models?")]
    [InlineData("GET", "models/test/gpt", "Did you mean /v1/models/test/gpt?")]
    [InlineData("POST", "messages", "Did you mean /v1/messages? Anthropic SDKs take the gateway's root as their base URL.")]
    [InlineData("POST", "v1/v1/messages", "Anthropic SDKs add /v1 themselves: set their base URL to the gateway's root, without /v1.")]
    [InlineData("POST", "v1/v1/chat/completions", "The base URL ends in /v1 twice: did you mean /v1/chat/completions?")]
    public async Task WrongBaseUrl_Is404_SayingWhatTheBaseUrlShouldBe(string method, string path, string hint)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(gateway.GatewayAddress, path));
        using var response = await gateway.Http.SendAsync(request);
        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.NotFound, "unknown_url");
        Assert.StartsWith($"Unknown request URL: {method} /{path}. {hint}", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "v1/nothing-here")]
    [InlineData("POST", "v1/audio/speech")]
    [InlineData("POST", "images/generations")]
    [InlineData("GET", "v1/v1/nothing")]
    public async Task UnknownPath_OutsideTheGatewaysOwn_GetsNoHint(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(gateway.GatewayAddress, path));
        using var response = await gateway.Http.SendAsync(request);
        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.NotFound, "unknown_url");
        Assert.Equal($"Unknown request URL: {method} /{path}.", error["message"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("v1/embeddings")]
    [InlineData("v1/chat/completions")]
    [InlineData("v1/messages")]
    public async Task UnmatchedRequest_EchoesTheClientsRequestId(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.GatewayAddress, path));
        request.Headers.Add("x-request-id", "client-trace-42");
        using var response = await gateway.Http.SendAsync(request);
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed, $"got {(int)response.StatusCode}");
        Assert.Equal("client-trace-42", Assert.Single(response.Headers.GetValues("x-request-id")));
    }

    /// <summary>A stream whose length HttpClient cannot know, so the body goes out chunked.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
