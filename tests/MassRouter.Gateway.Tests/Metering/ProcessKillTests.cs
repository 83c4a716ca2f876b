using System.Net;
using System.Text.Json;
using MassRouter.Core.Money;
using MassRouter.Core.Redis;
using MassRouter.Core.Usage;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Tests.Infrastructure;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>
/// A gateway process killed with SIGKILL (no drain, no shutdown hook) mid-stream and at settle time: after the kill
/// (and a restart) every request is charged exactly once, with what it really used or, mid-stream, with the prompt and
/// the output delivered before the kill.
/// </summary>
[Collection(MeteringCollection.Name)]
public sealed class ProcessKillTests(MeteringFixture fixture) : IDisposable
{
    private const long Dollar = Nanos.PerDollar;
    private static readonly ModelPrice Price = new(MeteringBackend.InputPerMillion, MeteringBackend.OutputPerMillion);

    private readonly string _data = Path.Combine(Path.GetTempPath(), "massrouter-kill-" + Guid.NewGuid().ToString("N"));

    private static CancellationToken Deadline => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task GatewayKilledMidStream_IsChargedOnce_ForThePromptAndTheOutputDelivered(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var simulator = new Uri(fixture.SimulatorAddress, "v1");
        await using var doomed = await GatewayProcess.StartAsync(
            Settings(b, b.ServerPort, new()
            {
                ["MassRouter:Metering:HeartbeatInterval"] = "00:00:00.200",
                ["MassRouter:Metering:HeartbeatTtl"] = "00:00:01",
                ["MassRouter:Metering:ProgressInterval"] = "00:00:00.100",
            }),
            _data);

        // A stream far longer than the test: 4,000 tokens 5 ms apart.
        var body = """{"model":"test/metered","stream":true,"messages":[{"role":"user","content":"Tell me a very long story"}]}""";
        using var response = await b.Http.SendAsync(
            MeteringBackend.Chat(doomed.Address, key.Secret, body, ("x-sim-tokens", "4000"), ("x-sim-itl-ms", "5")),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sse = new SseClient(await response.Content.ReadAsStreamAsync());
        for (var i = 0; i < 20; i++)
        {
            Assert.NotNull(await sse.NextDataAsync(Deadline));
        }

        // The in-flight record has been refreshed with delivered output: that is what a kill now leaves behind.
        Settlement? progress = null;
        await KeyTests.AssertEventuallyAsync(async () =>
        {
            progress = await InflightAsync(b, key.Account);
            return progress?.Event.CompletionTokens > 0;
        }, 10_000);
        await doomed.KillAsync();
        sse.Dispose();

        // A live instance (short heartbeat settings) finds the dead instance's heartbeat gone and settles its request.
        var survivor = await b.StartExtraGatewayAsync(simulator, new()
        {
            ["MassRouter:Metering:HeartbeatInterval"] = "00:00:00.200",
            ["MassRouter:Metering:HeartbeatTtl"] = "00:00:01",
            ["MassRouter:Metering:DeadGatewaySweepInterval"] = "00:00:00.100",
        });
        try
        {
            await KeyTests.AssertEventuallyAsync(async () => (await b.OutboxAsync(key.Account)).Count > 0, 10_000);
            var sweeper = survivor.Services.GetRequiredService<AbandonedSweeper>();
            Assert.Equal(0, await sweeper.SweepDeadGatewaysAsync());
        }
        finally
        {
            await survivor.StopAsync();
            await survivor.DisposeAsync();
        }

        var charged = Assert.Single(await b.OutboxAsync(key.Account));
        Assert.Equal(progress!.Event.Id, charged.Id);
        Assert.Equal(UsageStatus.Aborted, charged.Status);
        Assert.True(charged.Estimated);
        Assert.True(charged.PromptTokens > 0);
        Assert.InRange(charged.CompletionTokens, progress.Event.CompletionTokens, 3999);
        Assert.Equal(Price.Cost(charged.PromptTokens, charged.CompletionTokens), charged.CostNanos);
        Assert.Equal(Dollar - charged.CostNanos, await b.BalanceAsync(key.Account));
        Assert.Equal(0, await b.Db.HashLengthAsync(RedisKeys.Inflight(key.Account)));
        Assert.False(await b.Db.SetContainsAsync(RedisKeys.Gateways, progress.Instance));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task GatewayKilledAtSettleTime_SettlesTheRealUsageOnceAfterRestart(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var journal = Path.Combine(_data, "spool.journal");
        await using var proxy = new TcpProxy(b.ServerPort);
        var doomed = await StartBehindAsync(b, proxy);
        HttpResponseMessage? held = null;
        try
        {
            await WarmUpAsync(b, doomed, key, journal);

            // Admitted while Redis answers; then Redis stalls while the provider answers.
            var hold = Guid.NewGuid().ToString("N");
            var request = b.Http.SendAsync(MeteringBackend.Chat(doomed.Address, key.Secret, MeteringBackend.DefaultBody, ("x-sim-fault", "hold:" + hold), ("x-sim-request-id", hold), ("x-sim-tokens", "7")));
            await fixture.WaitForUpstreamAsync(b.Http, hold);
            proxy.Stall();
            await fixture.ReleaseAsync(b.Http, hold);
            held = await request;
            Assert.Equal(HttpStatusCode.OK, held.StatusCode);
            using var answer = JsonDocument.Parse(await held.Content.ReadAsStringAsync());
            var usage = answer.RootElement.GetProperty("usage");

            // The client has everything; the settlement is journalled and its settle script hangs on Redis.
            await KeyTests.AssertEventuallyAsync(() => Task.FromResult(JournalFiles.ContentBytes(journal) > 0), 5_000);
            await doomed.KillAsync();

            // What the stalled connection held dies with it.
            proxy.Cut();
            Assert.Single(await b.OutboxAsync(key.Account));
            Assert.Equal(1, await b.Db.HashLengthAsync(RedisKeys.Inflight(key.Account)));

            await RestartAndExpectChargedOnceAsync(b, key, journal, held, usage);
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException("Gateway output:\n" + doomed.Output, ex);
        }
        finally
        {
            held?.Dispose();
            await doomed.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task GatewayKilledBeforeRedisAnsweredTheAdmission_OfAnAnsweredRequest_StillChargesItOnce(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var journal = Path.Combine(_data, "spool.journal");
        await using var proxy = new TcpProxy(b.ServerPort);
        var doomed = await StartBehindAsync(b, proxy);
        HttpResponseMessage? served = null;
        try
        {
            // The warm-up's answer also gives the key room: the next request is admitted without waiting for Redis.
            await WarmUpAsync(b, doomed, key, journal);

            // Redis stalls before the admission reaches it; the provider answers, and so does the gateway.
            proxy.Stall();
            served = await b.Http.SendAsync(MeteringBackend.Chat(doomed.Address, key.Secret, MeteringBackend.DefaultBody, ("x-sim-tokens", "7")));
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            using var answer = JsonDocument.Parse(await served.Content.ReadAsStringAsync());
            var usage = answer.RootElement.GetProperty("usage");

            // Its settlement waits for the admission's answer, journalled; the process dies; the admission it had sent
            // reaches Redis afterwards (as bytes already on the network do), with nobody left to settle its record.
            await KeyTests.AssertEventuallyAsync(() => Task.FromResult(JournalFiles.ContentBytes(journal) > 0), 5_000);
            var markersBefore = await OptimisticAdmissionTests.CountAsync(b, "*settled*");
            await doomed.KillAsync();
            proxy.Restore();
            await KeyTests.AssertEventuallyAsync(async () => await b.Db.HashLengthAsync(RedisKeys.Inflight(key.Account)) == 1, 5_000);
            proxy.Cut();

            await RestartAndExpectChargedOnceAsync(b, key, journal, served, usage);

            // The replay claimed the record the admission made: no per-event marker was needed.
            Assert.Equal(markersBefore, await OptimisticAdmissionTests.CountAsync(b, "*settled*"));
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException("Gateway output:\n" + doomed.Output, ex);
        }
        finally
        {
            served?.Dispose();
            await doomed.DisposeAsync();
        }
    }

    /// <summary>
    /// A gateway whose Redis is behind a proxy the test can stall; a settle waits for it far longer than the test runs, and
    /// the heartbeat outlives the test, so nothing but this instance's own journal can settle its requests.
    /// </summary>
    private Task<GatewayProcess> StartBehindAsync(MeteringBackend b, TcpProxy proxy) =>
        GatewayProcess.StartAsync(
            Settings(b, proxy.Port, new()
            {
                ["MassRouter:Metering:RedisTimeout"] = "00:01:00",
                ["MassRouter:Metering:HeartbeatTtl"] = "00:02:00",
            }),
            _data);

    /// <summary>One request settled; its journal entry, written before it was queued, is zeroed once settled.</summary>
    private static async Task WarmUpAsync(MeteringBackend b, GatewayProcess gateway, TestKey key, string journal)
    {
        using (var warm = await b.Http.SendAsync(MeteringBackend.Chat(gateway.Address, key.Secret)))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        await KeyTests.AssertEventuallyAsync(async () => (await b.OutboxAsync(key.Account)).Count == 1, 10_000);
        await KeyTests.AssertEventuallyAsync(() => Task.FromResult(JournalFiles.ContentBytes(journal) == 0), 5_000);
    }

    /// <summary>
    /// Starts a gateway on the same data directory, straight on Redis, and expects the killed one's request (7 tokens
    /// out) charged exactly once, with the usage its client got, and nothing left in flight or in the journal.
    /// </summary>
    private async Task RestartAndExpectChargedOnceAsync(MeteringBackend b, TestKey key, string journal, HttpResponseMessage answered, JsonElement usage)
    {
        await using (await GatewayProcess.StartAsync(Settings(b, b.ServerPort, []), _data))
        {
            await KeyTests.AssertEventuallyAsync(async () => (await b.OutboxAsync(key.Account)).Count == 2, 15_000);
            await KeyTests.AssertEventuallyAsync(() => Task.FromResult(Directory.GetFiles(journal).Length == 0), 5_000);
        }

        var events = await b.OutboxAsync(key.Account);
        Assert.Equal(2, events.Select(e => e.Id).Distinct().Count());
        var settled = Assert.Single(events, e => e.RequestId == answered.Headers.GetValues("x-request-id").Single());
        Assert.Equal(UsageStatus.Ok, settled.Status);
        Assert.False(settled.Estimated);
        Assert.Equal(7, settled.CompletionTokens);
        Assert.Equal(usage.GetProperty("completion_tokens").GetInt64(), settled.CompletionTokens);
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt64(), settled.PromptTokens);
        Assert.Equal(Price.Cost(settled.PromptTokens, settled.CompletionTokens, settled.CachedTokens), settled.CostNanos);
        Assert.Equal(Dollar - events.Sum(e => e.CostNanos), await b.BalanceAsync(key.Account));
        Assert.Equal(0, await b.Db.HashLengthAsync(RedisKeys.Inflight(key.Account)));
    }

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private Dictionary<string, string?> Settings(MeteringBackend b, int redisPort, Dictionary<string, string?> overrides) =>
        MeteringBackend.GatewayConfiguration(new Uri(fixture.SimulatorAddress, "v1"), redisPort, Path.Combine(_data, "spool.jsonl"), overrides);

    private static async Task<Settlement?> InflightAsync(MeteringBackend b, string account)
    {
        var entries = await b.Db.HashGetAllAsync(RedisKeys.Inflight(account));
        return entries.Length == 0 ? null : JsonSerializer.Deserialize((string)entries[0].Value!, MeteringJson.Default.Settlement);
    }
}
