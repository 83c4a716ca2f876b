using System.Net;
using MassRouter.Core.Money;
using MassRouter.Core.Redis;
using MassRouter.Core.Usage;
using MassRouter.Gateway.Metering;

namespace MassRouter.Gateway.Tests.Metering;

[Collection(MeteringCollection.Name)]
public class RestartTests(MeteringFixture fixture)
{
    private const long Dollar = Nanos.PerDollar;

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task GatewayStoppedWithSpooledEvents_ReplaysThemOnceAfterRestart(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var spool = Path.Combine(Path.GetTempPath(), "massrouter-restart-" + Guid.NewGuid().ToString("N"), "spool.jsonl");
        var settings = new Dictionary<string, string?> { ["MassRouter:Metering:SpoolPath"] = spool };
        var simulator = new Uri(fixture.SimulatorAddress, "v1");
        try
        {
            var first = await b.StartExtraGatewayAsync(simulator, settings);
            var address = new Uri(first.Urls.First());
            await MeteringBackend.WarmAsync(b.Http, first, key.Secret);
            var warmed = (await b.OutboxAsync(key.Account)).Count;
            b.Proxy.Cut();
            try
            {
                for (var i = 0; i < 3; i++)
                {
                    using var response = await b.Http.SendAsync(MeteringBackend.Chat(address, key.Secret));
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                }

                // A graceful stop drains the settlement queue: what Redis could not take is in the (fsync'd) spool, and the
                // journal, whose entries were all spooled, is gone.
                await first.StopAsync();
                await first.DisposeAsync();
                Assert.Equal(3, File.ReadAllLines(spool).Length);
                Assert.Empty(Directory.GetFiles(Path.ChangeExtension(spool, ".journal")));
            }
            finally
            {
                await b.RestoreRedisAsync();
            }

            await using var second = await b.StartExtraGatewayAsync(simulator, settings);
            await KeyTests.AssertEventuallyAsync(async () => (await b.OutboxAsync(key.Account)).Count == warmed + 3, 15_000);
            await KeyTests.AssertEventuallyAsync(() => Task.FromResult(!File.Exists(spool) && !File.Exists(spool + ".replaying")), 5_000);

            var events = await b.OutboxAsync(key.Account);
            Assert.Equal(warmed + 3, events.Select(e => e.Id).Distinct().Count());
            Assert.All(events, e => Assert.Equal(UsageStatus.Ok, e.Status));
            Assert.Equal(Dollar - events.Sum(e => e.CostNanos), await b.BalanceAsync(key.Account));

            // Stopped with nothing unsettled, an instance unregisters at once: nobody needs to sweep after it.
            var instance = second.Services.GetRequiredService<GatewayInstance>().Id;
            Assert.True(await b.Db.SetContainsAsync(RedisKeys.Gateways, instance));
            await second.StopAsync();
            Assert.False(await b.Db.SetContainsAsync(RedisKeys.Gateways, instance));
            Assert.False(await b.Db.KeyExistsAsync(RedisKeys.GatewayAlive(instance)));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(spool)!, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task SeedSection_WritesAccountsAndKeys_AndKeepsAnExistingBalance(string backend)
    {
        var b = fixture[backend];
        var account = "u_seed_" + Guid.NewGuid().ToString("N")[..8];
        var secret = "sk-seeded-" + Guid.NewGuid().ToString("N");
        var settings = new Dictionary<string, string?>
        {
            ["MassRouter:Seed:Accounts:0:Id"] = account,
            ["MassRouter:Seed:Accounts:0:Balance"] = "2.5",
            ["MassRouter:Seed:Accounts:0:Paid"] = "true",
            ["MassRouter:Seed:Keys:0:Key"] = secret,
            ["MassRouter:Seed:Keys:0:Account"] = account,
            ["MassRouter:Seed:Keys:0:Rpm"] = "7",
            ["MassRouter:Seed:Keys:0:Models:0"] = MeteringBackend.Model,
        };
        var simulator = new Uri(fixture.SimulatorAddress, "v1");
        await using (var gateway = await b.StartExtraGatewayAsync(simulator, settings))
        {
            using var response = await b.Http.SendAsync(MeteringBackend.Chat(new Uri(gateway.Urls.First()), secret));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("7", AdmissionTests.Header(response, "x-ratelimit-limit-requests"));
            await gateway.StopAsync();
        }

        Assert.Equal("1", (string?)await b.Db.HashGetAsync(RedisKeys.Account(account), AccountFields.Paid));
        var balance = await b.BalanceAsync(account);
        Assert.True(balance < 2_500_000_000);

        // A restart re-seeds the records but leaves the working balance alone.
        await using (var again = await b.StartExtraGatewayAsync(simulator, settings))
        {
            await again.StopAsync();
        }

        Assert.Equal(balance, await b.BalanceAsync(account));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task RequestWhoseGatewayDied_IsChargedOnceByTheSweep_AndALateSettleIsANoOp(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var hold = Guid.NewGuid().ToString("N");
        var held = b.Http.SendAsync(b.Chat(0, key.Secret, headers: [("x-sim-fault", "hold:" + hold), ("x-sim-request-id", hold)]));
        await fixture.WaitForUpstreamAsync(b.Http, hold);
        Assert.Equal(1, await b.Db.HashLengthAsync(RedisKeys.Inflight(key.Account)));

        // Another instance, configured to consider anything admitted over a millisecond ago abandoned, sweeps: to it the
        // held request looks exactly like one whose gateway crashed.
        var sweeper = await b.StartExtraGatewayAsync(new Uri(fixture.SimulatorAddress, "v1"), new()
        {
            ["MassRouter:Metering:AbandonedAfter"] = "00:00:00.001",
            ["MassRouter:Metering:AbandonedSweepInterval"] = "01:00:00",
        });
        try
        {
            Assert.True(await sweeper.Services.GetRequiredService<AbandonedSweeper>().SweepAbandonedAsync() >= 1);
        }
        finally
        {
            await sweeper.StopAsync();
            await sweeper.DisposeAsync();
        }

        var charged = Assert.Single(await b.OutboxAsync(key.Account));
        Assert.Equal(UsageStatus.Aborted, charged.Status);
        Assert.True(charged.Estimated);
        Assert.True(charged.PromptTokens > 0);
        Assert.Equal(new ModelPrice(MeteringBackend.InputPerMillion, MeteringBackend.OutputPerMillion).Cost(charged.PromptTokens, 0), charged.CostNanos);
        Assert.Equal(Dollar - charged.CostNanos, await b.BalanceAsync(key.Account));
        Assert.Equal(0, await b.Db.HashLengthAsync(RedisKeys.Inflight(key.Account)));

        // The "dead" gateway was only slow: its settlement arrives under the same event id and changes nothing.
        var duplicatesBefore = await b.DuplicateSettlementsAsync(0);
        await fixture.ReleaseAsync(b.Http, hold);
        using (var response = await held)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await KeyTests.AssertEventuallyAsync(async () => await b.DuplicateSettlementsAsync(0) > duplicatesBefore, 5_000);
        Assert.Equal(charged.Id, Assert.Single(await b.OutboxAsync(key.Account)).Id);
        Assert.Equal(Dollar - charged.CostNanos, await b.BalanceAsync(key.Account));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task HeartbeatMissingBriefly_IsNotTakenForDeath_ButMissingForAWholeTtlIs(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var simulator = new Uri(fixture.SimulatorAddress, "v1");

        // The serving instance beats only when the test says so (its own loop beats once at start, then every 10 min).
        var gateway = await b.StartExtraGatewayAsync(simulator, new()
        {
            ["MassRouter:Metering:HeartbeatInterval"] = "00:10:00",
            ["MassRouter:Metering:HeartbeatTtl"] = "00:20:00",
        });
        var ttl = TimeSpan.FromMilliseconds(500);
        var sweeper = await b.StartExtraGatewayAsync(simulator, new()
        {
            ["MassRouter:Metering:HeartbeatInterval"] = "00:00:00.200",
            ["MassRouter:Metering:HeartbeatTtl"] = ttl.ToString(),
            ["MassRouter:Metering:DeadGatewaySweepInterval"] = "01:00:00",
        });
        try
        {
            var serving = gateway.Services.GetRequiredService<GatewayInstance>();
            var hold = Guid.NewGuid().ToString("N");
            var held = b.Http.SendAsync(MeteringBackend.Chat(new Uri(gateway.Urls.First()), key.Secret, MeteringBackend.DefaultBody, ("x-sim-fault", "hold:" + hold), ("x-sim-request-id", hold)));
            await fixture.WaitForUpstreamAsync(b.Http, hold);
            var sweep = sweeper.Services.GetRequiredService<AbandonedSweeper>();
            await serving.BeatAsync();

            // The heartbeat lapses (as during a Redis outage longer than its TTL) and comes back within a TTL of the
            // sweeper first seeing it missing: the instance is alive, its request untouched.
            await b.Db.KeyDeleteAsync(RedisKeys.GatewayAlive(serving.Id));
            Assert.Equal(0, await sweep.SweepDeadGatewaysAsync());
            await serving.BeatAsync();
            await Task.Delay(ttl * 1.5); // time itself is what is tested: the grace must have passed
            Assert.Equal(0, await sweep.SweepDeadGatewaysAsync());
            Assert.Equal(1, await b.Db.HashLengthAsync(RedisKeys.Inflight(key.Account)));

            // Gone for a whole TTL of the sweeper's own observation: taken for dead, its request settled as aborted.
            await b.Db.KeyDeleteAsync(RedisKeys.GatewayAlive(serving.Id));
            Assert.Equal(0, await sweep.SweepDeadGatewaysAsync());
            await Task.Delay(ttl * 1.5);
            Assert.Equal(1, await sweep.SweepDeadGatewaysAsync());

            var charged = Assert.Single(await b.OutboxAsync(key.Account));
            Assert.Equal(UsageStatus.Aborted, charged.Status);
            Assert.Equal(0, await b.Db.HashLengthAsync(RedisKeys.Inflight(key.Account)));
            Assert.False(await b.Db.SetContainsAsync(RedisKeys.Gateways, serving.Id));

            // The instance was only paused: its own settlement arrives under the same event id and changes nothing.
            await serving.BeatAsync();
            await fixture.ReleaseAsync(b.Http, hold);
            using (var response = await held)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            await gateway.Services.GetRequiredService<UsageSettler>().WhenIdleAsync();
            Assert.Equal(charged.Id, Assert.Single(await b.OutboxAsync(key.Account)).Id);
            Assert.Equal(Dollar - charged.CostNanos, await b.BalanceAsync(key.Account));
        }
        finally
        {
            await sweeper.StopAsync();
            await sweeper.DisposeAsync();
            await gateway.StopAsync();
            await gateway.DisposeAsync();
        }
    }
}
