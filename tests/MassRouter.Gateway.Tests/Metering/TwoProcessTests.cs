using System.Net;
using MassRouter.Core.Money;
using MassRouter.Core.Redis;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>
/// Two gateway processes (each its own OS process, as two replicas are) sharing one Redis: the limits hold globally
/// and the money adds up to the nano-dollar.
/// </summary>
[Collection(MeteringCollection.Name)]
public sealed class TwoProcessTests(MeteringFixture fixture) : IDisposable
{
    private static readonly ModelPrice Price = new(MeteringBackend.InputPerMillion, MeteringBackend.OutputPerMillion);

    private readonly string _data = Path.Combine(Path.GetTempPath(), "massrouter-two-" + Guid.NewGuid().ToString("N"));

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ConcurrentRequests_OnTwoGatewayProcesses_KeepTheLimitsGlobally_AndChargeWhatTheEventsSay(string backend)
    {
        var b = fixture[backend];
        const int rpm = 6;
        const int requests = 30;

        // One nano-dollar: the first admissions see a positive balance, the settlements then drive it below zero, so
        // both the RPM and the balance refuse requests while they race across the two processes.
        const long initial = 1;
        var key = await b.CreateKeyAsync(initial, k => k with { Rpm = rpm });
        await using var first = await GatewayProcess.StartAsync(Settings("a"), Path.Combine(_data, "a"));
        await using var second = await GatewayProcess.StartAsync(Settings("b"), Path.Combine(_data, "b"));
        Uri[] gateways = [first.Address, second.Address];

        var statuses = await Task.WhenAll(Enumerable.Range(0, requests).Select(async i =>
        {
            using var response = await b.Http.SendAsync(MeteringBackend.Chat(gateways[i % 2], key.Secret));
            return response.StatusCode;
        }));

        var ok = statuses.Count(s => s == HttpStatusCode.OK);
        Assert.InRange(ok, 1, rpm);
        Assert.All(statuses.Where(s => s != HttpStatusCode.OK), s => Assert.True(
            s is HttpStatusCode.TooManyRequests or HttpStatusCode.PaymentRequired, $"unexpected {s}\n{first.Output}\n{second.Output}"));

        // Every answer is one event, each priced from its own tokens, and the balance dropped by exactly their sum.
        List<Core.Usage.UsageEvent> events = [];
        await KeyTests.AssertEventuallyAsync(async () => (events = await b.OutboxAsync(key.Account)).Count >= ok, 10_000);
        Assert.Equal(ok, events.Count);
        Assert.Equal(ok, events.Select(e => e.Id).Distinct().Count());
        Assert.All(events, e => Assert.Equal(Price.Cost(e.PromptTokens, e.CompletionTokens, e.CachedTokens), e.CostNanos));
        Assert.Equal(initial - events.Sum(e => e.CostNanos), await b.BalanceAsync(key.Account));
        Assert.Empty(await b.Db.HashGetAllAsync(RedisKeys.Inflight(key.Account)));

        // Once settled the balance is below zero, and admission checks the balance before the rate: both processes now
        // refuse the key for money.
        Assert.True(await b.BalanceAsync(key.Account) < 0);
        foreach (var gateway in gateways)
        {
            using var refused = await b.Http.SendAsync(MeteringBackend.Chat(gateway, key.Secret));
            Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
        }

        Dictionary<string, string?> Settings(string name) => MeteringBackend.GatewayConfiguration(
            new Uri(fixture.SimulatorAddress, "v1"), b.ServerPort, Path.Combine(_data, name, "spool.jsonl"), []);
    }

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }
}
