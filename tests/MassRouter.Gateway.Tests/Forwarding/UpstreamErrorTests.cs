using System.ClientModel;
using System.Net;
using MassRouter.Gateway.Tests.Infrastructure;
using OpenAI.Chat;

namespace MassRouter.Gateway.Tests.Forwarding;

[Collection(GatewayCollection.Name)]
public class UpstreamErrorTests(GatewayFixture gateway)
{
    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task ProviderErrorStatus_IsPassedThroughInOpenAIShape(int status)
    {
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest(
            """{"model":"test/gpt","messages":[{"role":"user","content":"hi"}]}""",
            headers: ("x-sim-fault", $"status:{status}")));
        await OpenAIErrorAssert.IsErrorAsync(response, (HttpStatusCode)status);
        Assert.Equal("sim", response.Headers.GetValues("x-massrouter-provider").Single());
        if (status == 429)
        {
            Assert.NotNull(response.Headers.RetryAfter);
        }
    }

    [Fact]
    public async Task RecordedProviderError_ReachesTheClientUnchanged()
    {
        const string fixture = "openai/openai-chat-error-404-model-not-found.response.json";
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest(
            """{"model":"test/gpt","messages":[{"role":"user","content":"hi"}]}""",
            headers: ("x-sim-fixture", fixture)));
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.NotFound, "model_not_found");
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(GatewayFixture.FixturesPath, fixture)), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ProviderError_SurfacesAsSdkException()
    {
        var client = gateway.ChatClient(headers: new Dictionary<string, string> { ["x-sim-fault"] = "status:429" });
        var options = new ChatCompletionOptions();
        var ex = await Assert.ThrowsAsync<ClientResultException>(() => client.CompleteChatAsync([new UserChatMessage("hi")], options));
        Assert.Equal(429, ex.Status);
    }

    [Fact]
    public async Task UnreachableProvider_Is502()
    {
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest("""{"model":"test/dead","messages":[]}"""));
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadGateway, "upstream_unreachable");
    }

    [Fact]
    public async Task ProviderTooSlowToAnswer_Is504()
    {
        // The 'impatient' provider allows one second of silence; the simulator waits three before its headers.
        using var response = await gateway.Http.SendAsync(gateway.ChatRequest(
            """{"model":"test/impatient","messages":[]}""",
            headers: ("x-sim-fault", "slow-headers:3000")));
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.GatewayTimeout, "upstream_timeout");
    }

    [Fact]
    public async Task ProviderStallingMidStream_EndsWithTimeoutErrorEvent()
    {
        using var request = gateway.ChatRequest(
            """{"model":"test/impatient","stream":true,"messages":[]}""",
            headers: [("x-sim-tokens", "3"), ("x-sim-itl-ms", "3000")]);
        using var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        var events = await sse.ReadAllAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
        Assert.Equal("[DONE]", events[^1]);
        Assert.Contains("upstream_timeout", events[^2], StringComparison.Ordinal);
    }
}
