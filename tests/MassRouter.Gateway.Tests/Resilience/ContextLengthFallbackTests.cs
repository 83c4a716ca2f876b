using System.Net;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Tests.Forwarding;
using MassRouter.Gateway.Tests.Infrastructure;

namespace MassRouter.Gateway.Tests.Resilience;

/// <summary>
/// A provider's "too long for this model's context" refusal moves the request to its fallbacks (the plan's next
/// deployment, or the request's own <c>models</c>), as OpenRouter's fallbacks do; any other client error is returned at once.
/// The small-context providers here are the simulator told (by a configured header) to refuse every request that way.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ContextLengthFallbackTests(GatewayFixture gateway) : IAsyncLifetime
{
    private WebApplication _app = null!;

    public async Task InitializeAsync()
    {
        var simV1 = new Uri(gateway.SimulatorAddress, "v1").ToString();
        _app = await GatewayFixture.StartGatewayAsync(new Dictionary<string, string?>
        {
            ["MassRouter:Metering:Enabled"] = "false",
            ["MassRouter:ApiKeys:0:Key"] = GatewayFixture.Key,
            ["MassRouter:Resilience:MaxAttempts"] = "3",
            ["MassRouter:Resilience:CircuitBreaker:MinimumThroughput"] = "2",
            ["MassRouter:Resilience:CircuitBreaker:FailureRatio"] = "0.5",
            ["MassRouter:Providers:small:BaseUrl"] = simV1,
            ["MassRouter:Providers:small:Headers:x-sim-fault"] = "context-length",
            ["MassRouter:Providers:small-claude:Kind"] = "anthropic",
            ["MassRouter:Providers:small-claude:BaseUrl"] = simV1,
            ["MassRouter:Providers:small-claude:Headers:x-sim-fault"] = "context-length",
            ["MassRouter:Providers:picky:BaseUrl"] = simV1,
            ["MassRouter:Providers:picky:Headers:x-sim-fault"] = "status:400",
            ["MassRouter:Providers:large:BaseUrl"] = simV1,
            ["MassRouter:Models:0:Id"] = "ctx/two-windows",
            ["MassRouter:Models:0:Deployments:0:Provider"] = "small",
            ["MassRouter:Models:0:Deployments:1:Provider"] = "large",
            ["MassRouter:Models:1:Id"] = "ctx/small",
            ["MassRouter:Models:1:Deployments:0:Provider"] = "small",
            ["MassRouter:Models:2:Id"] = "ctx/large",
            ["MassRouter:Models:2:Deployments:0:Provider"] = "large",
            ["MassRouter:Models:3:Id"] = "ctx/claude-then-large",
            ["MassRouter:Models:3:Deployments:0:Provider"] = "small-claude",
            ["MassRouter:Models:3:Deployments:1:Provider"] = "large",
            ["MassRouter:Models:4:Id"] = "ctx/picky",
            ["MassRouter:Models:4:Deployments:0:Provider"] = "picky",
            ["MassRouter:Models:4:Deployments:1:Provider"] = "large",
        });
    }

    public Task DisposeAsync() => GatewayFixture.StopAsync(_app);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TooLongForTheFirstDeployment_IsAnsweredByTheNext(bool stream)
    {
        using var response = await ChatAsync("ctx/two-windows", stream);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("large", response.Headers.GetValues("x-massrouter-provider").Single());
        Assert.Contains(stream ? "data: [DONE]" : "\"choices\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TooLongForTheModel_GoesToTheRequestsOwnFallbackModel()
    {
        using var response = await ChatAsync("ctx/small", stream: false, """ "models":["ctx/large"], """);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ctx/large", response.Headers.GetValues("x-massrouter-model").Single());
    }

    [Fact]
    public async Task AnthropicsPromptIsTooLong_IsAnsweredByTheNext()
    {
        using var response = await ChatAsync("ctx/claude-then-large", stream: false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("large", response.Headers.GetValues("x-massrouter-provider").Single());
    }

    [Fact]
    public async Task WithNoFallback_TheProvidersRefusalReachesTheClient_AsItSentIt()
    {
        using var response = await ChatAsync("ctx/small", stream: false);

        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest, "context_length_exceeded");
        Assert.Contains("maximum context length", (string?)error["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyOtherClientError_IsReturnedAtOnce_NotTriedElsewhere()
    {
        using var response = await ChatAsync("ctx/picky", stream: false);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("picky", response.Headers.GetValues("x-massrouter-provider").Single());
    }

    [Fact]
    public async Task RefusalsForLength_DoNotOpenTheDeploymentsCircuit()
    {
        for (var i = 0; i < 6; i++)
        {
            using var response = await ChatAsync("ctx/two-windows", stream: false);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Still closed: the small deployment is still asked first (it refuses, the large one answers), not skipped.
        var metrics = await gateway.Http.GetStringAsync(new Uri(Address, "metrics"));
        var small = metrics.Split('\n').Single(l => l.StartsWith("massrouter_circuit_state{", StringComparison.Ordinal) && l.Contains("ctx/two-windows", StringComparison.Ordinal) && l.Contains("small", StringComparison.Ordinal));
        Assert.EndsWith(" 0", small, StringComparison.Ordinal);
        Assert.Contains("reason=\"context_length\"", metrics, StringComparison.Ordinal);
    }

    private Uri Address => new(_app.Urls.First());

    private async Task<HttpResponseMessage> ChatAsync(string model, bool stream, string extra = "")
    {
        using var request = GatewayFixture.ChatRequest(
            Address,
            $$"""{"model":"{{model}}",{{extra}}"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"a very long prompt"}]}""",
            GatewayFixture.Key);
        return await gateway.Http.SendAsync(request);
    }
}
