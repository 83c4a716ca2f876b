using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Tests.Infrastructure;
using MassRouter.Simulator;

namespace MassRouter.Gateway.Tests.Resilience;

public class GracefulShutdownTests
{
    [Fact]
    public async Task Shutdown_EndsStreamsStillRunningAfterTheDrainTimeout_WithAnErrorEventAndDone()
    {
        var (first, rest) = await StopMidStreamAsync("v1/chat/completions", """{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.NotNull(first);
        Assert.Equal("[DONE]", rest[^1]);
        Assert.Equal("gateway_shutting_down", JsonNode.Parse(rest[^2])!["error"]!["code"]!.GetValue<string>());
        Assert.True(rest.Count < 100, "the stream was ended early, not run to completion");
    }

    [Fact]
    public async Task Shutdown_EndsMessageStreamsStillRunningAfterTheDrainTimeout_WithAnAnthropicErrorEvent()
    {
        var (first, rest) = await StopMidStreamAsync("v1/messages", """{"model":"m","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal("message_start", JsonNode.Parse(first!)!["type"]!.GetValue<string>());
        var last = JsonNode.Parse(rest[^1])!;
        Assert.Equal("error", last["type"]!.GetValue<string>());
        Assert.Contains("shutting down", last["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(rest, data => data.Contains("\"message_stop\"", StringComparison.Ordinal));
        Assert.True(rest.Count < 100, "the stream was ended early, not run to completion");
    }

    /// <summary>Starts a 100-token stream, stops the gateway after its first event; returns that event's data and the others.</summary>
    private static async Task<(string? First, List<string> Others)> StopMidStreamAsync(string path, string json)
    {
        await using var simulator = SimulatorHost.Build(new SimulatorOptions { FixturesPath = GatewayFixture.FixturesPath }, "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning");
        await simulator.StartAsync();
        var config = new Dictionary<string, string?>
        {
            ["MassRouter:ApiKeys:0:Key"] = GatewayFixture.Key,
            ["MassRouter:Providers:sim:BaseUrl"] = new Uri(SimulatorHost.GetAddress(simulator), "v1").ToString(),
            ["MassRouter:Models:0:Id"] = "m",
            ["MassRouter:Models:0:Deployments:0:Provider"] = "sim",
            ["MassRouter:Resilience:DrainTimeout"] = "00:00:00.300",
        };
        await using var gateway = await GatewayHost.BuildAsync(
            ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"],
            builder => builder.Configuration.AddInMemoryCollection(config));
        await gateway.StartAsync();

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(gateway.Urls.First()), path))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", GatewayFixture.Key);
        request.Headers.Add("x-sim-ttft-ms", "0");
        request.Headers.Add("x-sim-itl-ms", "200");
        request.Headers.Add("x-sim-tokens", "100");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        using var sse = new SseClient(await response.Content.ReadAsStreamAsync(deadline.Token));
        var first = await sse.NextDataAsync(deadline.Token);

        var stopping = gateway.StopAsync(deadline.Token);
        var rest = await sse.ReadAllAsync(deadline.Token);
        await stopping;
        return (first, rest);
    }
}
