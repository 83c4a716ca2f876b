using System.Text.Json;
using MassRouter.Simulator.Tests.Infrastructure;

namespace MassRouter.Simulator.Tests.Faults;

/// <summary>
/// The <c>context-length</c> fault: every provider refuses the request before generating anything, with its own
/// "context length exceeded" error (bodies taken from the providers' documentation and issue reports).
/// </summary>
[Collection(SimulatorCollection.Name)]
public sealed class ContextLengthFaultTests(SimulatorFixture simulator)
{
    private static readonly (string Name, string Value) ContextLength = ("x-sim-fault", "context-length");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OpenAIChat_IsContextLengthExceeded(bool stream)
    {
        using var response = await simulator.PostAsync(
            "/v1/chat/completions", $$"""{"model":"gpt-4o","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Hi"}]}""", ContextLength);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = SseEvents.Json(await response.Content.ReadAsStringAsync()).GetProperty("error");
        Assert.Equal(
            "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens. Please reduce the length of the messages.",
            error.GetProperty("message").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("messages", error.GetProperty("param").GetString());
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task OpenAITextCompletion_NamesThePrompt()
    {
        using var response = await simulator.PostAsync("/v1/completions", """{"model":"gpt-3.5-turbo-instruct","prompt":"Hi"}""", ContextLength);

        Assert.Equal(400, (int)response.StatusCode);
        var error = SseEvents.Json(await response.Content.ReadAsStringAsync()).GetProperty("error");
        Assert.Contains("However, your prompt resulted in 131072 tokens.", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("prompt", error.GetProperty("param").GetString());
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("/v1/responses")]
    [InlineData("/v1/responses/compact")]
    [InlineData("/v1/responses/input_tokens")]
    public async Task OpenAIResponses_IsTheContextWindowError(string path)
    {
        using var response = await simulator.PostAsync(path, """{"model":"gpt-4.1","input":"Hi"}""", ContextLength);

        Assert.Equal(400, (int)response.StatusCode);
        var error = SseEvents.Json(await response.Content.ReadAsStringAsync()).GetProperty("error");
        Assert.Equal("Your input exceeds the context window of this model. Please adjust your input and try again.", error.GetProperty("message").GetString());
        Assert.Equal("input", error.GetProperty("param").GetString());
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task OpenAIEmbeddings_HasNoCode()
    {
        using var response = await simulator.PostAsync("/v1/embeddings", """{"model":"text-embedding-3-small","input":"a"}""", ContextLength);

        Assert.Equal(400, (int)response.StatusCode);
        var error = SseEvents.Json(await response.Content.ReadAsStringAsync()).GetProperty("error");
        Assert.StartsWith("This model's maximum context length is 8192 tokens, however you requested 9000 tokens", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        Assert.Equal(JsonValueKind.Null, error.GetProperty("code").ValueKind);
    }

    [Theory]
    [InlineData("/v1/messages")]
    [InlineData("/v1/messages/count_tokens")]
    public async Task AnthropicMessages_IsPromptTooLong(string path)
    {
        using var response = await simulator.PostAsync(
            path, """{"model":"claude-sonnet-4-5","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Hi"}]}""", ContextLength);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("req_", response.Headers.GetValues("request-id").Single(), StringComparison.Ordinal);
        var root = SseEvents.Json(await response.Content.ReadAsStringAsync());
        Assert.Equal("error", root.GetProperty("type").GetString());
        Assert.Equal("invalid_request_error", root.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("prompt is too long: 208403 tokens > 200000 maximum", root.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(response.Headers.GetValues("request-id").Single(), root.GetProperty("request_id").GetString());
    }

    [Theory]
    [InlineData("/v1beta/models/gemini-2.5-flash:generateContent")]
    [InlineData("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse")]
    public async Task Gemini_IsInvalidArgument(string path)
    {
        using var response = await simulator.PostAsync(path, """{"contents":[{"role":"user","parts":[{"text":"Hi"}]}]}""", ContextLength);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = SseEvents.Json(await response.Content.ReadAsStringAsync()).GetProperty("error");
        Assert.Equal(400, error.GetProperty("code").GetInt32());
        Assert.Equal("The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).", error.GetProperty("message").GetString());
        Assert.Equal("INVALID_ARGUMENT", error.GetProperty("status").GetString());
    }

    [Fact]
    public async Task CohereChat_IsTooManyTokens()
    {
        using var response = await simulator.PostAsync(
            "/v2/chat", """{"model":"command-a-03-2025","messages":[{"role":"user","content":"Hi"}]}""", ContextLength);

        Assert.Equal(400, (int)response.StatusCode);
        var root = SseEvents.Json(await response.Content.ReadAsStringAsync());
        Assert.True(Guid.TryParse(root.GetProperty("id").GetString(), out _));
        Assert.StartsWith(
            "too many tokens: total number of tokens in the prompt cannot exceed 128000 - received 131072.", root.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/model/us.amazon.nova-micro-v1%3A0/converse")]
    [InlineData("/model/us.amazon.nova-micro-v1%3A0/converse-stream")]
    public async Task BedrockConverse_IsAValidationException(string path)
    {
        using var response = await simulator.PostAsync(path, """{"messages":[{"role":"user","content":[{"text":"Hi"}]}],"inferenceConfig":{}}""", ContextLength);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("ValidationException:", response.Headers.GetValues("x-amzn-ErrorType").Single(), StringComparison.Ordinal);
        var root = SseEvents.Json(await response.Content.ReadAsStringAsync());
        Assert.Equal("Input is too long for requested model.", root.GetProperty("message").GetString());
    }

    [Fact]
    public async Task StatusFault_WinsOverContextLength()
    {
        using var response = await simulator.PostAsync(
            "/v1/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}""", ("x-sim-fault", "context-length,status:429"));

        Assert.Equal(429, (int)response.StatusCode);
        var error = SseEvents.Json(await response.Content.ReadAsStringAsync()).GetProperty("error");
        Assert.Equal("rate_limit_exceeded", error.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("context-length:1")]
    [InlineData("context-lenght")]
    public async Task UnknownOrMalformedFault_IsStillTheHeaderError(string fault)
    {
        using var response = await simulator.PostAsync(
            "/v1/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}""", ("x-sim-fault", fault));

        Assert.Equal(400, (int)response.StatusCode);
        var error = SseEvents.Json(await response.Content.ReadAsStringAsync()).GetProperty("error");
        Assert.Equal("simulator_error", error.GetProperty("type").GetString());
        Assert.Equal("x-sim-fault", error.GetProperty("param").GetString());
        Assert.Equal(
            $"Unknown or malformed fault '{fault}'. Expected status:400-599, context-length, midstream-error:N, reset:N, slow-headers:MS or hold:ID, comma-separated.",
            error.GetProperty("message").GetString());
    }
}
