using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace MassRouter.Gateway.Tests.Resilience;

[Collection(ResilienceCollection.Name)]
public partial class CircuitBreakerTests(ResilienceFixture gateway)
{
    [Fact]
    public async Task OverloadBurst_OpensTheCircuit_AndTrafficMovesToTheFallback()
    {
        for (var i = 0; i < 6; i++)
        {
            using var response = await SendAsync("r/breaker");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("healthy", response.Headers.GetValues("x-massrouter-provider").Single());
        }

        var metrics = await MetricsAsync();
        Assert.Equal(2, Gauge(metrics, "massrouter_circuit_state", "deployment=\"overloaded/r-breaker-upstream\""));
        var retriesWhileOpen = Gauge(metrics, "massrouter_upstream_retries_total", "provider=\"overloaded\",reason=\"529\"");
        Assert.True(retriesWhileOpen >= 4, $"retries counted while opening: {retriesWhileOpen}");

        // While open, the overloaded deployment is skipped: no further attempt, so no further retry from it.
        using (var response = await SendAsync("r/breaker"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(retriesWhileOpen, Gauge(await MetricsAsync(), "massrouter_upstream_retries_total", "provider=\"overloaded\",reason=\"529\""));
    }

    [Fact]
    public async Task OpenCircuit_IsClosedAgainByAProbe_OnceTheDeploymentRecovers()
    {
        var port = gateway.RecoveringPort;
        await gateway.StopRecoveringAsync();
        try
        {
            for (var i = 0; i < 6; i++)
            {
                using var response = await SendAsync("r/recovering");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("healthy", response.Headers.GetValues("x-massrouter-provider").Single());
            }

            Assert.Equal(2, Gauge(await MetricsAsync(), "massrouter_circuit_state", "deployment=\"recovering/r-recovering-upstream\""));
        }
        finally
        {
            await gateway.StartRecoveringAsync(port);
        }

        // After the break a probe goes through, succeeds, and the deployment serves again.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        string provider;
        do
        {
            await Task.Delay(100, deadline.Token);
            using var response = await SendAsync("r/recovering");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            provider = response.Headers.GetValues("x-massrouter-provider").Single();
        }
        while (provider != "recovering");

        Assert.Equal(0, Gauge(await MetricsAsync(), "massrouter_circuit_state", "deployment=\"recovering/r-recovering-upstream\""));
    }

    private async Task<HttpResponseMessage> SendAsync(string model)
    {
        using var request = gateway.ChatRequest($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""");
        return await gateway.Http.SendAsync(request);
    }

    private Task<string> MetricsAsync() => gateway.Http.GetStringAsync(new Uri(gateway.GatewayAddress, "metrics"));

    private static double Gauge(string metrics, string name, string labels)
    {
        foreach (Match match in SampleLine().Matches(metrics))
        {
            if (match.Groups["name"].Value == name && match.Groups["labels"].Value.Contains(labels, StringComparison.Ordinal))
            {
                return double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return double.NaN;
    }

    [GeneratedRegex(@"^(?<name>[a-z_]+)\{(?<labels>[^}]*)\} (?<value>\S+)$", RegexOptions.Multiline)]
    private static partial Regex SampleLine();
}
