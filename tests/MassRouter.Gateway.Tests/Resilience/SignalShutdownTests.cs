using System.Diagnostics;
using System.Net;
using MassRouter.Gateway.Tests.Metering;

namespace MassRouter.Gateway.Tests.Resilience;

/// <summary>The gateway as its own process (the embedded default), stopped with real signals as an orchestrator or an operator does.</summary>
public sealed class SignalShutdownTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "massrouter-signal-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Sigterm_StartsTheShutdownDelay_AndASecondOneCutsItShort()
    {
        await using var gateway = await GatewayProcess.StartAsync(new() { ["MassRouter:Resilience:ShutdownDelay"] = "00:01:00" }, _data);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var ready = new Uri(gateway.Address, "readyz");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(ready)).StatusCode);

        gateway.Terminate();

        // The first SIGTERM: not ready, still serving, for the minute of the delay.
        await WaitForOutputAsync(gateway, "Shutting down: not ready, still serving");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(ready)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(gateway.Address, "healthz"))).StatusCode);
        Assert.Null(await gateway.ExitCodeWithinAsync(TimeSpan.FromSeconds(1)));

        // The second: the operator means it. The listener closes, the drain (nothing in flight) ends, the process exits 0.
        var clock = Stopwatch.StartNew();
        gateway.Terminate();
        var exitCode = await gateway.ExitCodeWithinAsync(TimeSpan.FromSeconds(20));
        Assert.True(exitCode is not null, $"still running {clock.Elapsed} after the second SIGTERM:\n{gateway.Output}");
        Assert.Equal(0, exitCode);
        Assert.Contains("Shutdown delay cut short", gateway.Output, StringComparison.Ordinal);
    }

    private static async Task WaitForOutputAsync(GatewayProcess gateway, string text)
    {
        var clock = Stopwatch.StartNew();
        while (!gateway.Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"no '{text}' in the output:\n{gateway.Output}");
            await Task.Delay(20);
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }
}
