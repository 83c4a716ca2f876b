using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using MassRouter.Gateway.Tests.Infrastructure;

namespace MassRouter.Gateway.Tests.Resilience;

/// <summary>A provider's burst connection pool, seen from outside: a request beyond its warm limit is served and counted.</summary>
[Collection(ResilienceCollection.Name)]
public partial class BurstPoolTests(ResilienceFixture gateway)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RequestBeyondTheWarmLimit_IsServedOnTheBurstPool_AndCounted()
    {
        var before = Counter(await MetricsAsync());

        // "narrow" keeps one warm connection: two streams held open at once put the second on the burst pool.
        var holds = new[] { Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N") };
        var responses = new List<HttpResponseMessage>();
        try
        {
            foreach (var hold in holds)
            {
                using var request = gateway.ChatRequest(
                    """{"model":"r/narrow","stream":true,"messages":[{"role":"user","content":"hi"}]}""",
                    headers: [("x-sim-fault", $"hold:{hold}"), ("x-sim-tokens", "4")]);
                var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                responses.Add(response);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            Assert.Equal(before + 1, Counter(await MetricsAsync()));
            foreach (var hold in holds)
            {
                using var release = await gateway.Http.PostAsync(new Uri(gateway.SimulatorAddress, $"sim/release/{hold}"), null);
                Assert.True(release.IsSuccessStatusCode);
            }

            foreach (var response in responses)
            {
                using var sse = new SseClient(await response.Content.ReadAsStreamAsync());
                using var deadline = new CancellationTokenSource(Deadline);
                Assert.Equal("[DONE]", (await sse.ReadAllAsync(deadline.Token))[^1]);
            }
        }
        finally
        {
            responses.ForEach(r => r.Dispose());
        }

        // Both ended: the warm connection is free again, so the next request does not touch the burst pool.
        using var next = gateway.ChatRequest("""{"model":"r/narrow","messages":[{"role":"user","content":"hi"}]}""");
        using var answered = await gateway.Http.SendAsync(next);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal(before + 1, Counter(await MetricsAsync()));
    }

    private Task<string> MetricsAsync() => gateway.Http.GetStringAsync(new Uri(gateway.GatewayAddress, "metrics"));

    private static double Counter(string metrics) =>
        BurstLine().Match(metrics) is { Success: true } match ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex("""^massrouter_upstream_burst_requests_total\{provider="narrow"\} (\S+)$""", RegexOptions.Multiline)]
    private static partial Regex BurstLine();
}
