using System.Net;
using MassRouter.Core.Money;
using MassRouter.Core.Usage;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Tests.Forwarding;

namespace MassRouter.Gateway.Tests.Metering;

[Collection(MeteringCollection.Name)]
public class RedisDownTests(MeteringFixture fixture)
{
    private const long Dollar = Nanos.PerDollar;

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task RedisDownAtSettle_Spools_AndReplaysExactlyOnce_WhenRedisReturns(string backend)
    {
        var b = fixture[backend];
        const long initial = Dollar;
        var paid = await b.CreateKeyAsync(initial, account: a => a with { Paid = true });
        var free = await b.CreateKeyAsync(initial);
        var hold = Guid.NewGuid().ToString("N");
        await MeteringBackend.WarmAsync(b.Http, b.Gateways[1], free.Secret);
        var freeWarm = (await b.OutboxAsync(free.Account)).Count;

        // Admitted while Redis is up, then Redis goes away while the provider is still answering.
        var held = Enumerable.Range(0, 2).Select(i => b.Http.SendAsync(b.Chat(i, paid.Secret, headers: [("x-sim-fault", $"hold:{hold}-{i}"), ("x-sim-request-id", $"{hold}-{i}")]))).ToList();
        for (var i = 0; i < 2; i++)
        {
            await fixture.WaitForUpstreamAsync(b.Http, $"{hold}-{i}");
        }

        b.Proxy.Cut();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                await fixture.ReleaseAsync(b.Http, $"{hold}-{i}");
                using var response = await held[i];
                Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            }

            // Admission with Redis down: closed for a paid account, open (under local limits) for the others.
            using (var closed = await b.Http.SendAsync(b.Chat(0, paid.Secret)))
            {
                await OpenAIErrorAssert.IsErrorAsync(closed, HttpStatusCode.ServiceUnavailable, "service_unavailable");
            }

            using (var open = await b.Http.SendAsync(b.Chat(1, free.Secret)))
            {
                Assert.Equal(HttpStatusCode.OK, open.StatusCode);
            }

            await KeyTests.AssertEventuallyAsync(() => Task.FromResult(SpooledLines(b, 0) == 1 && SpooledLines(b, 1) == 2));
            await b.WhenSettledAsync();
            Assert.Empty(await b.OutboxAsync(paid.Account));
            Assert.Equal(initial, await b.BalanceAsync(paid.Account));
        }
        finally
        {
            await b.RestoreRedisAsync();
        }

        // The replay loop drains both spools on its own once Redis answers again.
        await KeyTests.AssertEventuallyAsync(async () => (await b.OutboxAsync(paid.Account)).Count == 2 && (await b.OutboxAsync(free.Account)).Count == freeWarm + 1, 15_000);
        await KeyTests.AssertEventuallyAsync(() => Task.FromResult(!b.Settler(0).Spool.HasEntries && !b.Settler(1).Spool.HasEntries), 5_000);

        foreach (var key in new[] { paid, free })
        {
            var events = await b.OutboxAsync(key.Account);
            Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
            Assert.All(events, e => Assert.Equal(UsageStatus.Ok, e.Status));
            Assert.Equal(initial - events.Sum(e => e.CostNanos), await b.BalanceAsync(key.Account));
        }

        Assert.Equal(freeWarm + 1, (await b.OutboxAsync(free.Account)).Count);
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ReplayingTheSameEventTwice_ChargesOnce(string backend)
    {
        var b = fixture[backend];
        const long initial = Dollar;
        var key = await b.CreateKeyAsync(initial);
        var settlement = new Settlement(
            new UsageEvent
            {
                Id = Guid.CreateVersion7().ToString("N"),
                RequestId = "req_replay",
                KeyId = key.KeyId,
                Account = key.Account,
                Model = MeteringBackend.Model,
                Provider = "sim",
                PromptTokens = 100,
                CompletionTokens = 50,
                CostNanos = 12_345,
                Status = UsageStatus.Ok,
                HttpStatus = 200,
                EndedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            },
            KeyTpm: 0,
            TokenDelta: 0);

        // Two gateways spool the same event (a settle that timed out after Redis ran it looks like this).
        b.Settler(0).Spool.Append(settlement);
        b.Settler(1).Spool.Append(settlement);
        Assert.True(await b.Settler(0).ReplaySpoolAsync());
        Assert.True(await b.Settler(1).ReplaySpoolAsync());

        var events = await b.OutboxAsync(key.Account);
        Assert.Equal(settlement.Event.Id, Assert.Single(events).Id);
        Assert.Equal(initial - 12_345, await b.BalanceAsync(key.Account));

        // The second replay was recognised as a duplicate, and says so in the metrics.
        using var metrics = await b.Http.GetAsync(new Uri(b.Addresses[1], "metrics"));
        Assert.Matches("massrouter_settlements_total\\{outcome=\"duplicate\"\\} [1-9]", await metrics.Content.ReadAsStringAsync());
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task CachedKeys_KeepWorking_AndUnknownKeysAre503_WhileRedisIsDown(string backend)
    {
        var b = fixture[backend];
        var known = await b.CreateKeyAsync(Dollar);
        var unknownToInstance = await b.CreateKeyAsync(Dollar);
        await MeteringBackend.WarmAsync(b.Http, b.Gateways[0], known.Secret);
        var knownWarm = (await b.OutboxAsync(known.Account)).Count;

        b.Proxy.Cut();
        try
        {
            using var cached = await b.Http.SendAsync(b.Chat(0, known.Secret));
            Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
            using var cold = await b.Http.SendAsync(b.Chat(0, unknownToInstance.Secret));
            await OpenAIErrorAssert.IsErrorAsync(cold, HttpStatusCode.ServiceUnavailable, "service_unavailable");
            await b.WhenSettledAsync();
        }
        finally
        {
            await b.RestoreRedisAsync();
        }

        await KeyTests.AssertEventuallyAsync(async () => (await b.OutboxAsync(known.Account)).Count == knownWarm + 1, 15_000);
        using var afterwards = await b.Http.SendAsync(b.Chat(0, unknownToInstance.Secret));
        Assert.Equal(HttpStatusCode.OK, afterwards.StatusCode);
    }

    private static int SpooledLines(MeteringBackend b, int gateway)
    {
        var path = b.Settler(gateway).Spool.FilePath;
        return File.Exists(path) ? File.ReadAllLines(path).Length : 0;
    }
}
