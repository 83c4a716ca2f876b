using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Tests.Infrastructure;
using MassRouter.Simulator;
using Microsoft.Extensions.Options;

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

    [Fact]
    public async Task ShutdownDelay_KeepsServingWithReadinessDown_ThenClosesTheListenerAndDrains()
    {
        var delay = TimeSpan.FromSeconds(2);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        // The 20 s stream keeps the drain, and so the stop, going past the delay.
        await using var running = await MidStreamAsync("v1/chat/completions", StreamingChat, TimeSpan.FromSeconds(3), delay, deadline.Token);
        var (http, address, sse) = (running.Http, running.Address, running.Stream);
        Assert.Equal(HttpStatusCode.OK, await ReadinessAsync(http, address, deadline.Token));

        var clock = Stopwatch.StartNew();
        var stopping = running.Gateway.StopAsync(deadline.Token);

        // Each on a new connection, as a load balancer's probe and a client routed by a stale endpoint would be.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await ReadinessAsync(http, address, deadline.Token));
        using (var completion = await SendAsync(http, address, "v1/chat/completions", Chat, tokens: 5, deadline.Token))
        {
            Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
            Assert.NotNull(JsonNode.Parse(await completion.Content.ReadAsStringAsync(deadline.Token))!["choices"]![0]!["message"]);
        }

        var (lastAnswered, refused) = await ListenerClosedAsync(http, address, clock, deadline.Token);
        Assert.False(stopping.IsCompleted, "the listener closed when the stop ended, not when the delay did");
        Assert.True(refused >= delay, $"a connection was refused {refused} after the stop began, within the {delay} delay");

        // Probes 50 ms apart: the last one answered went out just before the listener closed (half a second leaves room for a slow machine).
        Assert.True(lastAnswered >= delay - TimeSpan.FromMilliseconds(500), $"the last probe answered went out {lastAnswered} after the stop began: the listener closed well within the {delay} delay");

        var rest = await sse.ReadAllAsync(deadline.Token);
        Assert.Equal("[DONE]", rest[^1]);
        Assert.Equal("gateway_shutting_down", JsonNode.Parse(rest[^2])!["error"]!["code"]!.GetValue<string>());
        await stopping;
    }

    [Fact]
    public async Task WithoutShutdownDelay_TheListenerClosesAsSoonAsTheStopBegins()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var running = await MidStreamAsync("v1/chat/completions", StreamingChat, TimeSpan.FromSeconds(3), shutdownDelay: null, deadline.Token);

        var stopping = running.Gateway.StopAsync(deadline.Token);

        await ListenerClosedAsync(running.Http, running.Address, Stopwatch.StartNew(), deadline.Token);
        Assert.False(stopping.IsCompleted, "the listener closed only when the drain was over");
        await running.Stream.ReadAllAsync(deadline.Token);
        await stopping;
    }

    [Theory]
    [InlineData("-00:00:01")]
    [InlineData("00:05:01")]
    public async Task ShutdownDelay_OutOfRange_StopsStartUp_NamingTheSetting(string delay)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var gateway = await GatewayHost.BuildAsync(
            [
                "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning",
                "--MassRouter:ApiKeys:0:Key=" + GatewayFixture.Key,
                "--MassRouter:Providers:sim:BaseUrl=http://127.0.0.1:1/v1",
                "--MassRouter:Models:0:Id=m", "--MassRouter:Models:0:Deployments:0:Provider=sim",
                "--MassRouter:Resilience:ShutdownDelay=" + delay,
            ]);
            await gateway.StartAsync();
        });
        Assert.Contains("MassRouter:Resilience:ShutdownDelay must be between 00:00:00 (off) and 00:05:00", error.Message, StringComparison.Ordinal);
    }

    private const string Chat = """{"model":"m","messages":[{"role":"user","content":"hi"}]}""";

    private const string StreamingChat = """{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}""";

    /// <summary>Starts a 100-token stream, stops the gateway after its first event; returns that event's data and the others.</summary>
    private static async Task<(string? First, List<string> Others)> StopMidStreamAsync(string path, string json)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await using var running = await MidStreamAsync(path, json, TimeSpan.FromMilliseconds(300), shutdownDelay: null, deadline.Token);

        var stopping = running.Gateway.StopAsync(deadline.Token);
        var rest = await running.Stream.ReadAllAsync(deadline.Token);
        await stopping;
        return (running.First, rest);
    }

    /// <summary>Starts a simulator and a gateway, and a 100-token stream (200 ms apart) through it; returns once its first event is read.</summary>
    private static async Task<RunningStream> MidStreamAsync(string path, string json, TimeSpan drainTimeout, TimeSpan? shutdownDelay, CancellationToken cancellationToken)
    {
        var simulator = SimulatorHost.Build(new SimulatorOptions { FixturesPath = GatewayFixture.FixturesPath }, "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning");
        await simulator.StartAsync(cancellationToken);
        var gateway = await StartGatewayAsync(simulator, drainTimeout, shutdownDelay);
        var address = new Uri(gateway.Urls.First());
        var http = new HttpClient();
        var response = await SendAsync(http, address, path, json, tokens: 100, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sse = new SseClient(await response.Content.ReadAsStreamAsync(cancellationToken));
        var first = await sse.NextDataAsync(cancellationToken);
        Assert.NotNull(first);
        return new RunningStream(simulator, gateway, http, address, response, sse, first);
    }

    private sealed record RunningStream(
        WebApplication Simulator, WebApplication Gateway, HttpClient Http, Uri Address, HttpResponseMessage Response, SseClient Stream, string First)
        : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Stream.Dispose();
            Response.Dispose();
            Http.Dispose();
            await Gateway.DisposeAsync();
            await Simulator.DisposeAsync();
        }
    }

    private static async Task<WebApplication> StartGatewayAsync(WebApplication simulator, TimeSpan drainTimeout, TimeSpan? shutdownDelay)
    {
        var config = new Dictionary<string, string?>
        {
            ["MassRouter:ApiKeys:0:Key"] = GatewayFixture.Key,
            ["MassRouter:Providers:sim:BaseUrl"] = new Uri(SimulatorHost.GetAddress(simulator), "v1").ToString(),
            ["MassRouter:Models:0:Id"] = "m",
            ["MassRouter:Models:0:Deployments:0:Provider"] = "sim",
            ["MassRouter:Resilience:DrainTimeout"] = drainTimeout.ToString("c", CultureInfo.InvariantCulture),
        };
        if (shutdownDelay is { } delay)
        {
            config["MassRouter:Resilience:ShutdownDelay"] = delay.ToString("c", CultureInfo.InvariantCulture);
        }

        var gateway = await GatewayHost.BuildAsync(
            ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"],
            builder => builder.Configuration.AddInMemoryCollection(config));
        await gateway.StartAsync();
        return gateway;
    }

    /// <summary>Sends on a new connection (none is left to reuse), tokens 200 ms apart.</summary>
    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, Uri gateway, string path, string json, int tokens, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, path))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.ConnectionClose = true;
        request.Headers.Authorization = new("Bearer", GatewayFixture.Key);
        request.Headers.Add("x-sim-ttft-ms", "0");
        request.Headers.Add("x-sim-itl-ms", tokens > 10 ? "200" : "0");
        request.Headers.Add("x-sim-tokens", tokens.ToString(CultureInfo.InvariantCulture));
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary><c>GET /readyz</c> on a new connection, as a load balancer probes.</summary>
    private static async Task<HttpStatusCode> ReadinessAsync(HttpClient http, Uri gateway, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, "readyz"));
        request.Headers.ConnectionClose = true;
        using var response = await http.SendAsync(request, cancellationToken);
        return response.StatusCode;
    }

    /// <summary>
    /// Probes readiness until a connection is refused; every probe answered before that must say 503. Returns when, on
    /// <paramref name="clock"/>, the last answered probe went out and the refused one was seen. Polls: nothing outside
    /// the server signals that it stopped listening.
    /// </summary>
    private static async Task<(TimeSpan LastAnswered, TimeSpan Refused)> ListenerClosedAsync(HttpClient http, Uri gateway, Stopwatch clock, CancellationToken cancellationToken)
    {
        var lastAnswered = TimeSpan.Zero;
        while (true)
        {
            var sent = clock.Elapsed;
            try
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, await ReadinessAsync(http, gateway, cancellationToken));
                lastAnswered = sent;
            }
            catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                return (lastAnswered, clock.Elapsed);
            }
            catch (Exception ex) when (ex is HttpRequestException or SocketException)
            {
                // Accepted just before the listener closed, then closed unanswered: the next probe is refused. (Closed
                // between the connect and the client's look at its peer, the socket's own error escapes unwrapped:
                // "Transport endpoint is not connected", seen once in CI.)
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }
}
