using System.Net;
using System.Text.Json;
using MassRouter.Core.Money;
using MassRouter.Core.Redis;
using MassRouter.Core.Usage;
using MassRouter.Gateway.Metering;
using StackExchange.Redis;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>
/// Exactly-once settlement without a marker key per event: a request admitted through Redis is claimed by removing its
/// in-flight record, so it leaves nothing behind; only requests that never had a record (fail-open) and sweeps are
/// marked. Every order of a real settlement, its replays and a sweep charges once.
/// </summary>
[Collection(MeteringCollection.Name)]
public class SettlementClaimTests(MeteringFixture fixture)
{
    private const long Dollar = Nanos.PerDollar;

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task SettledRequests_LeaveNoKeyPerEventBehind(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        await MeteringBackend.WarmAsync(b.Http, b.Gateways[0], key.Secret);
        var warmed = (await b.OutboxAsync(key.Account)).Count;
        var before = await AccountKeysAsync(b, key.Account);
        var markersBefore = await CountAsync(b, "mr:{a:*}:settled:*");

        await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            var body = $$"""{"model":"test/metered","stream":{{(i % 2 == 0 ? "true" : "false")}},"messages":[{"role":"user","content":"request {{i}}"}]}""";
            using var response = await b.Http.SendAsync(b.Chat(i % 2, key.Secret, body));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            _ = await response.Content.ReadAsStringAsync();
        }));
        var events = await b.WaitForEventsAsync(key.Account, warmed + 20);
        Assert.Equal(warmed + 20, events.Select(e => e.Id).Distinct().Count());
        Assert.Equal(Dollar - events.Sum(e => e.CostNanos), await b.BalanceAsync(key.Account));

        // Twenty settled requests later the account has exactly the keys it had (counters, outbox), no marker among them,
        // and no marker appeared anywhere in the keyspace.
        Assert.Equal(before, await AccountKeysAsync(b, key.Account));
        Assert.DoesNotContain(before, k => k.Contains(":settled:", StringComparison.Ordinal));
        Assert.Equal(markersBefore, await CountAsync(b, "mr:{a:*}:settled:*"));
        Assert.Equal(0, await b.Db.HashLengthAsync(RedisKeys.Inflight(key.Account)));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task SettlingARecordedRequestAgain_IsANoOp_WhateverPathTheReplayTakes(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var hold = Guid.NewGuid().ToString("N");
        var held = b.Http.SendAsync(b.Chat(0, key.Secret, headers: [("x-sim-fault", "hold:" + hold), ("x-sim-request-id", hold)]));
        await fixture.WaitForUpstreamAsync(b.Http, hold);

        // What the serving gateway settles is what its record says, claimed by the record (a stand-in for its real
        // settlement, which has not happened yet): settled, then retried directly, then replayed from both spools (a
        // settle that timed out after Redis ran it looks like this).
        var settlement = Assert.Single(await InflightAsync(b, key.Account)) with { Instance = null, Claim = SettlementClaim.Inflight };
        await b.Settler(1).SettleAsync(settlement);
        await b.Settler(1).SettleAsync(settlement);
        b.Settler(0).Spool.Append(settlement);
        b.Settler(1).Spool.Append(settlement);
        Assert.True(await b.Settler(0).ReplaySpoolAsync());
        Assert.True(await b.Settler(1).ReplaySpoolAsync());

        var charged = Assert.Single(await b.OutboxAsync(key.Account));
        Assert.Equal(settlement.Event.Id, charged.Id);
        Assert.True(charged.CostNanos > 0);
        Assert.Equal(Dollar - charged.CostNanos, await b.BalanceAsync(key.Account));
        Assert.False(await b.Db.KeyExistsAsync(RedisKeys.Settled(key.Account, charged.Id)));

        // The serving gateway's own settlement of the same event id comes last and changes nothing either.
        var duplicates = await b.DuplicateSettlementsAsync(0);
        await fixture.ReleaseAsync(b.Http, hold);
        using (var response = await held)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await KeyTests.AssertEventuallyAsync(async () => await b.DuplicateSettlementsAsync(0) > duplicates, 5_000);
        Assert.Equal(charged.Id, Assert.Single(await b.OutboxAsync(key.Account)).Id);
        Assert.Equal(Dollar - charged.CostNanos, await b.BalanceAsync(key.Account));
        Assert.False(await b.Db.KeyExistsAsync(RedisKeys.Settled(key.Account, charged.Id)));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task FailOpenRequest_ReplayedTwice_IsChargedOnce(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        await MeteringBackend.WarmAsync(b.Http, b.Gateways[0], key.Secret);
        var warmed = (await b.OutboxAsync(key.Account)).Count;
        var balance = await b.BalanceAsync(key.Account);

        Settlement spooled;
        b.Proxy.Cut();
        try
        {
            // Admitted without Redis: no in-flight record exists, so the settlement is claimed by a marker.
            using (var response = await b.Http.SendAsync(b.Chat(0, key.Secret)))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            await KeyTests.AssertEventuallyAsync(() => Task.FromResult(SpooledLines(b, 0).Count == 1), 10_000);
            await b.WhenSettledAsync();
            spooled = Assert.Single(SpooledLines(b, 0));
            Assert.Equal(SettlementClaim.Marker, spooled.Claim);

            // The other gateway holds the same event too: two replays of one event race once Redis is back.
            b.Settler(1).Spool.Append(spooled);
        }
        finally
        {
            await b.RestoreRedisAsync();
        }

        await KeyTests.AssertEventuallyAsync(() => Task.FromResult(!b.Settler(0).Spool.HasEntries && !b.Settler(1).Spool.HasEntries), 15_000);
        await b.Settler(0).SettleAsync(spooled);

        var events = await b.OutboxAsync(key.Account);
        Assert.Equal(warmed + 1, events.Count);
        Assert.Equal(spooled.Event.Id, events[^1].Id);
        Assert.Equal(balance - spooled.Event.CostNanos, await b.BalanceAsync(key.Account));
        var ttl = await b.Db.KeyTimeToLiveAsync(RedisKeys.Settled(key.Account, spooled.Event.Id));
        Assert.InRange(ttl!.Value, TimeSpan.FromHours(47), TimeSpan.FromHours(48));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task SweepAfterTheRealSettlement_OfTheRecordItRead_IsANoOp(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var record = await RecordAsync(b, key, 4_321);

        // The sweep read the record, then the gateway's real settlement (smaller: it knew the actual usage) got in first.
        await b.Settler(0).SettleAsync(record with { Event = record.Event with { CostNanos = 1_000, Estimated = false }, Claim = SettlementClaim.Inflight });
        await b.Settler(1).SettleAsync(record with { Claim = SettlementClaim.Sweep });

        var charged = Assert.Single(await b.OutboxAsync(key.Account));
        Assert.Equal(1_000, charged.CostNanos);
        Assert.Equal(Dollar - 1_000, await b.BalanceAsync(key.Account));
        Assert.False(await b.Db.KeyExistsAsync(RedisKeys.Settled(key.Account, record.Event.Id)));
        Assert.Equal(0, await b.Db.HashLengthAsync(RedisKeys.Inflight(key.Account)));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task LateSettlementAfterTheSweep_IsANoOp_WhetherItsGatewayKnewOfTheRecordOrNot(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var record = await RecordAsync(b, key, 4_321);

        await b.Settler(1).SettleAsync(record with { Claim = SettlementClaim.Sweep });
        Assert.True(await b.Db.KeyExistsAsync(RedisKeys.Settled(key.Account, record.Event.Id)));

        // Its gateway was only slow: with the record as its claim, or believing it had none (its admission's answer was
        // lost, the script had run), and once more from a spool.
        var real = record with { Event = record.Event with { CostNanos = 9_999, Estimated = false } };
        await b.Settler(0).SettleAsync(real with { Claim = SettlementClaim.Inflight });
        await b.Settler(0).SettleAsync(real with { Claim = SettlementClaim.Marker });
        b.Settler(0).Spool.Append(real);
        Assert.True(await b.Settler(0).ReplaySpoolAsync());

        var charged = Assert.Single(await b.OutboxAsync(key.Account));
        Assert.Equal(4_321, charged.CostNanos);
        Assert.Equal(Dollar - 4_321, await b.BalanceAsync(key.Account));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task SettlementBelievingItHadNoRecord_RemovesTheOneItHad_SoTheSweepFindsNothing(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var record = await RecordAsync(b, key, 4_321);

        // The admission script ran but its answer timed out: the request went on fail-open, with a record after all.
        await b.Settler(0).SettleAsync(record with { Event = record.Event with { CostNanos = 777 }, Claim = SettlementClaim.Marker });
        Assert.Equal(0, await b.Db.HashLengthAsync(RedisKeys.Inflight(key.Account)));
        await b.Settler(1).SettleAsync(record with { Claim = SettlementClaim.Sweep });
        await b.Settler(0).SettleAsync(record with { Event = record.Event with { CostNanos = 777 }, Claim = SettlementClaim.Marker });

        Assert.Equal(777, Assert.Single(await b.OutboxAsync(key.Account)).CostNanos);
        Assert.Equal(Dollar - 777, await b.BalanceAsync(key.Account));
    }

    /// <summary>Writes an in-flight record as admission does (a request still running) and returns it.</summary>
    private static async Task<Settlement> RecordAsync(MeteringBackend b, TestKey key, long costNanos)
    {
        var usage = MeteringBackend.Event(key, costNanos) with { Provider = "unknown", CompletionTokens = 0, Status = UsageStatus.Aborted, HttpStatus = 499, Estimated = true };
        var record = new Settlement(usage, KeyTpm: 0, TokenDelta: 0, Instance: "gone");
        await b.Db.HashSetAsync(RedisKeys.Inflight(key.Account), record.Event.Id, JsonSerializer.Serialize(record, MeteringJson.Default.Settlement));
        return record;
    }

    private static async Task<List<Settlement>> InflightAsync(MeteringBackend b, string account) =>
        (await b.Db.HashGetAllAsync(RedisKeys.Inflight(account)))
            .Select(e => JsonSerializer.Deserialize((string)e.Value!, MeteringJson.Default.Settlement)!)
            .ToList();

    private static async Task<SortedSet<string>> AccountKeysAsync(MeteringBackend b, string account)
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var key in Server(b).KeysAsync(pattern: "mr:{a:" + account + "}:*", pageSize: 1000))
        {
            keys.Add(key.ToString());
        }

        return keys;
    }

    private static async Task<int> CountAsync(MeteringBackend b, string pattern)
    {
        var count = 0;
        await foreach (var _ in Server(b).KeysAsync(pattern: pattern, pageSize: 1000))
        {
            count++;
        }

        return count;
    }

    private static IServer Server(MeteringBackend b) => b.Redis.GetServer(b.Redis.GetEndPoints()[0]);

    private static List<Settlement> SpooledLines(MeteringBackend b, int gateway)
    {
        // A replay attempt while Redis is away may have moved the file aside; its lines are still the spool's.
        var path = b.Settler(gateway).Spool.FilePath;
        return new[] { path + ".replaying", path }
            .Where(File.Exists)
            .SelectMany(File.ReadAllLines)
            .Select(line => JsonSerializer.Deserialize(line, MeteringJson.Default.Settlement)!)
            .ToList();
    }
}
