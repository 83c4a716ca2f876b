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

    [Fact]
    public async Task EveryCircuitOpen_Is503_WithARetryAfterCountingDownTheBreak()
    {
        // The only deployment answers 529 until its breaker opens (break: 3 s); then the gateway itself answers.
        var unavailable = await UntilUnavailableAsync("r/unavailable-chat", 529);
        var opened = System.Diagnostics.Stopwatch.StartNew();
        var first = RetryAfterSeconds(unavailable);
        Assert.Contains("deployments_unavailable", await unavailable.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        unavailable.Dispose();
        Assert.InRange(first, 1, TimeSpan.Parse(ResilienceFixture.BreakDuration, CultureInfo.InvariantCulture).TotalSeconds);

        // A second later the client is told to wait less: the rest of the break, not the whole break again.
        var wait = TimeSpan.FromSeconds(1.1) - opened.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        using var later = await SendAsync("r/unavailable-chat");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, later.StatusCode);
        Assert.InRange(RetryAfterSeconds(later), 1, first - 1);
    }

    [Fact]
    public async Task ARateLimit_OpensTheCircuit_OnlyForTheWaitTheProviderAskedFor()
    {
        // The only deployment answers 429 with OpenAI's Retry-After: 1 until its breaker opens; a 529 opens it for the
        // whole break (3 s, above).
        var unavailable = await UntilUnavailableAsync("r/rate-limited", 429, ("x-sim-fault", "status:429"));
        var opened = System.Diagnostics.Stopwatch.StartNew();
        Assert.Contains("deployments_unavailable", await unavailable.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, RetryAfterSeconds(unavailable));
        unavailable.Dispose();

        // The provider's second later (well inside the 3 s break), the deployment is offered again and answers.
        await Task.Delay(TimeSpan.FromSeconds(1.2) - opened.Elapsed is { Ticks: > 0 } wait ? wait : TimeSpan.Zero);
        using var after = await SendAsync("r/rate-limited");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.True(opened.Elapsed < TimeSpan.FromSeconds(2.5), $"checked {opened.Elapsed} after the circuit opened");
    }

    [Fact]
    public async Task TokenCount_OfAModelWhoseAnthropicCircuitIsOpen_IsTheEstimate_WithoutAskingTheProvider()
    {
        // Chat requests failing with 529 open the circuit of the model's only (Anthropic-kind) deployment.
        for (var i = 0; i < 10 && Gauge(await MetricsAsync(), "massrouter_circuit_state", "deployment=\"anthropic-kind/r-count-breaker-upstream\"") != 2; i++)
        {
            using var request = gateway.ChatRequest("""{"model":"r/count-breaker","messages":[{"role":"user","content":"hi"}]}""", headers: ("x-sim-fault", "status:529"));
            using var failed = await gateway.Http.SendAsync(request);
        }

        Assert.Equal(2, Gauge(await MetricsAsync(), "massrouter_circuit_state", "deployment=\"anthropic-kind/r-count-breaker-upstream\""));
        var id = Guid.NewGuid().ToString("N");
        using var count = gateway.JsonPost("v1/messages/count_tokens", """{"model":"r/count-breaker","messages":[{"role":"user","content":"Hello, world"}]}""", headers: ("x-sim-request-id", id));
        count.Headers.Add("anthropic-version", "2023-06-01");
        using var response = await gateway.Http.SendAsync(count);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(10, System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!["input_tokens"]!.GetValue<int>());
        using var recorded = await gateway.Http.GetAsync(new Uri(gateway.SimulatorAddress, $"sim/requests/{id}"));
        Assert.Equal(HttpStatusCode.NotFound, recorded.StatusCode);
    }

    /// <summary>Sends until the gateway answers 503 itself (the circuit open); every earlier answer is the provider's <paramref name="failing"/>.</summary>
    private async Task<HttpResponseMessage> UntilUnavailableAsync(string model, int failing, params (string Name, string Value)[] headers)
    {
        for (var i = 0; i < 10; i++)
        {
            var response = await SendAsync(model, headers);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                return response;
            }

            Assert.Equal(failing, (int)response.StatusCode);
            response.Dispose();
        }

        throw new Xunit.Sdk.XunitException($"The circuit of {model} did not open in 10 requests.");
    }

    private static double RetryAfterSeconds(HttpResponseMessage response) =>
        double.Parse(response.Headers.GetValues("Retry-After").Single(), CultureInfo.InvariantCulture);

    private async Task<HttpResponseMessage> SendAsync(string model, params (string Name, string Value)[] headers)
    {
        using var request = gateway.ChatRequest($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""", headers: headers);
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
