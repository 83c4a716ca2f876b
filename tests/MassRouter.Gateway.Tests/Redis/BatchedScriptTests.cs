using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using MassRouter.Core.Redis;
using MassRouter.Core.Usage;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Limits;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Redis;
using MassRouter.Gateway.Telemetry;
using MassRouter.Gateway.Tests.Metering;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MassRouter.Gateway.Tests.Redis;

/// <summary>
/// The admission and settle scripts take a batch of requests in one call. A batch must answer and leave Redis exactly as
/// the same requests sent one call each, in the same order; checked on redis-server and on Garnet, on mixed batches
/// that cross limits, accounts, claims and duplicates. And the batcher must really gather what arrives while calls are
/// in flight.
/// </summary>
public sealed class BatchedScriptTests(RedisServers servers) : IClassFixture<RedisServers>
{
    // Rate-limit cells hold a time in ms; one call each runs a few ms apart, so those (and reset times) may differ by that;
    // cells are compared relative to their run's start.
    private const double ClockSlackMs = 1000;


    public static TheoryData<string> Servers => RedisServers.Names;

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task AnAdmissionBatch_AnswersAndWrites_AsEachRequestAlone(string server)
    {
        using var redis = await ConnectAsync(server);
        var requests = AdmissionRequests();

        await SeedAccountsAsync(redis);
        var aloneStart = await ServerMillisAsync(redis);
        var alone = new List<long[]>();
        foreach (var (keys, values) in requests)
        {
            alone.Add(ReadAdmission(await redis.GetDatabase().ScriptEvaluateAsync(AdmissionScript.Lua, keys, values), 1)[0]);
        }

        // One call each takes as long as the machine makes it (Garnet on a loaded CI runner: over a second for the
        // scenario), and the cells and reset times of its later calls move on with the clock by that much.
        var slack = ClockSlackMs + (await ServerMillisAsync(redis) - aloneStart);
        var aloneState = await SnapshotAsync(redis, aloneStart);

        await SeedAccountsAsync(redis);
        var batchedStart = await ServerMillisAsync(redis);
        var batched = ReadAdmission(
            await redis.GetDatabase().ScriptEvaluateAsync(AdmissionScript.Lua, [.. requests.SelectMany(r => r.Keys)], [.. requests.SelectMany(r => r.Values)]),
            requests.Count);
        var batchedState = await SnapshotAsync(redis, batchedStart);

        // The scenario does cross every kind of answer, or the comparison proves little.
        Assert.Equal(
            [
                AdmissionScript.Admitted, AdmissionScript.RequestsExceeded, AdmissionScript.TokensExceeded, AdmissionScript.NoBalance, AdmissionScript.Suspended,
                AdmissionScript.CapReached, AdmissionScript.CannotAfford, AdmissionScript.EndUserDailyCapReached, AdmissionScript.EndUserMonthlyCapReached,
                AdmissionScript.EndUserRequestsExceeded,
            ],
            alone.Select(a => (int)a[0]).Distinct().Order());
        Assert.Equal(
            [
                AdmissionScript.EndUserDailyCapReached, AdmissionScript.EndUserMonthlyCapReached, AdmissionScript.Admitted, AdmissionScript.EndUserDailyCapReached,
                AdmissionScript.Admitted, AdmissionScript.Admitted, AdmissionScript.EndUserRequestsExceeded, AdmissionScript.Admitted,
            ],
            alone[^8..].Select(a => (int)a[0]));
        Assert.Equal([500L, 500L], alone[^8][2..4]); // the cap, and what the end user spent
        Assert.Equal(2, alone[^2][2]); // w's third: the end user's limit
        Assert.Equal((2L, 0L, 2L, 1L), (alone[^3][2], alone[^3][3], alone[^1][2], alone[^1][3])); // the tightest RPM reported: the end user's

        // The spend hashes are read where a cap applies (account a's monthly cap), and not where none does (account b's
        // keys k3 and k4 without caps): their spend comes back as -1, not as a zero someone could count from.
        var admitted = alone.Where(a => a[0] == AdmissionScript.Admitted).ToList();
        Assert.Contains(admitted, a => a[8] >= 0 && a[9] >= 0 && a[10] >= 0 && a[11] >= 0);
        Assert.Contains(admitted, a => a[8] == -1 && a[9] == -1 && a[10] == -1 && a[11] == -1);
        Assert.Equal(alone.Count, batched.Count);
        for (var i = 0; i < alone.Count; i++)
        {
            Assert.Equal(alone[i].Length, batched[i].Length);
            for (var j = 0; j < alone[i].Length; j++)
            {
                // Retry and reset times (ms from now) may move with the clock; everything else is exact.
                var timed = j == 1 || (alone[i][0] == AdmissionScript.Admitted && j is 4 or 7);
                if (timed)
                {
                    Assert.InRange(batched[i][j], alone[i][j] - slack, alone[i][j] + slack);
                }
                else
                {
                    Assert.True(alone[i][j] == batched[i][j], $"request {i}, value {j}: alone {alone[i][j]}, batched {batched[i][j]}");
                }
            }
        }

        AssertSameState(aloneState, batchedState, slack);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task ASettlementBatch_ClaimsChargesAndCounts_AsEachSettlementAlone(string server)
    {
        using var redis = await ConnectAsync(server);
        var settlements = Settlements();
        var marker = TimeSpan.FromHours(1);

        var aloneStart = await SeedForSettlementAsync(redis);
        var alone = new List<long>();
        foreach (var settlement in settlements)
        {
            var (keys, values) = SettleScript.Call([settlement.Settlement], [settlement.Json], marker, announce: true);
            alone.Add((long)((RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(SettleScript.Lua, keys, values))!)[0]);
        }

        var aloneState = await SnapshotAsync(redis, aloneStart);

        var batchedStart = await SeedForSettlementAsync(redis);
        // Batched as the request path sends them: with each request's key names built once per cached key (one of them
        // another key's, which must be ignored).
        var names = settlements.Select(s => new ApiKeyInfo(s.Settlement.Event.KeyId, null, null) { Account = s.Settlement.Event.Account }.RedisNames).ToArray();
        names[2] = new ApiKeyInfo("k1", null, null) { Account = "a" }.RedisNames;
        var (batchKeys, batchValues) = SettleScript.Call([.. settlements.Select(s => s.Settlement)], [.. settlements.Select(s => s.Json)], marker, announce: true, names);
        var batched = ((RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(SettleScript.Lua, batchKeys, batchValues))!).Select(r => (long)r).ToList();
        var batchedState = await SnapshotAsync(redis, batchedStart);

        Assert.Equal([1L, 0L, 1L, 0L, 1L, 1L, 1L, 1L, 0L], alone);
        Assert.Equal(alone, batched);
        AssertSameState(aloneState, batchedState, ClockSlackMs);

        // Exact to the nano-dollar, including an amount beyond what a double holds exactly.
        var balance = (long)await redis.GetDatabase().HashGetAsync(RedisKeys.Account("b"), "balance_nanos");
        Assert.Equal(4_000_000_000_000_000_000L - 36_028_797_018_963_971L - 1_500, balance);

        // An end user's spend counts the charged settlements that name them, each once, in both periods.
        var now = DateTimeOffset.UtcNow;
        Assert.Equal(4_000L, (long)await redis.GetDatabase().HashGetAsync(RedisKeys.DailySpend("a", now), "u:x"));
        Assert.Equal(4_000L, (long)await redis.GetDatabase().HashGetAsync(RedisKeys.MonthlySpend("a", now), "u:x"));
        Assert.Equal(1_500L, (long)await redis.GetDatabase().HashGetAsync(RedisKeys.MonthlySpend("b", now), "u:y"));
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task TheBatcher_SendsAloneWhileIdle_AndGathersWhatArrivesWhileCallsAreInFlight(string server)
    {
        var port = servers.Port(server);
        await using var proxy = new TcpProxy(port);
        using var direct = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + ",allowAdmin=true");
        await direct.GetServer(direct.GetEndPoints()[0]).FlushAllDatabasesAsync();
        await using var pipeline = new RespPipeline(
            "127.0.0.1:" + proxy.Port.ToString(CultureInfo.InvariantCulture), TimeSpan.FromSeconds(10), true, direct, NullLogger<RespPipeline>.Instance);
        await RedisServers.WaitUsableAsync(pipeline);

        await direct.GetDatabase().HashSetAsync(RedisKeys.Account("a"), [new("status", "active"), new("balance_nanos", 1_000_000_000)]);
        var batcher = new AdmissionBatcher(pipeline);
        var first = Submit(batcher, "a", "k1", 0);
        Assert.Equal(AdmissionScript.Admitted, (await first.Task)![0]);
        Assert.Equal((1L, 1L), (batcher.Batches, batcher.Items));

        // Two calls in flight (held by the stalled proxy), then 20 requests that must wait and go together.
        proxy.Stall();
        var inFlight = new[] { Submit(batcher, "a", "k1", 1), Submit(batcher, "a", "k1", 2) };
        var waiting = Enumerable.Range(3, 20).Select(i => Submit(batcher, "a", "k1", i)).ToArray();
        Assert.Equal((3L, 3L), (batcher.Batches, batcher.Items));
        proxy.Restore();

        var answers = await Task.WhenAll(inFlight.Concat(waiting).Select(r => r.Task));
        Assert.All(answers, answer => Assert.Equal(AdmissionScript.Admitted, answer![0]));
        Assert.Equal((4L, 23L), (batcher.Batches, batcher.Items));
        Assert.Equal(23, await direct.GetDatabase().HashLengthAsync(RedisKeys.Inflight("a")));
        Assert.Contains(pipeline.Batchers, b => b.Name == "admission");
    }

    [Fact]
    public async Task ABatchThatCannotBeWritten_FailsItsItems_SendsNothingOfIt_AndTheBatcherGoesOn()
    {
        var (direct, pipeline) = await PipelineAsync(TimeSpan.FromSeconds(10));
        using var _ = direct;
        await using var __ = pipeline;

        var batcher = new CountingBatcher(pipeline, linger: TimeSpan.FromMinutes(1));
        var broken = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        batcher.Submit((-1, broken), mayLinger: false);
        await Assert.ThrowsAsync<InvalidOperationException>(() => broken.Task.WaitAsync(TimeSpan.FromSeconds(10)));

        // One batch whose writer throws after its first item was written: had that half reached the connection, the
        // next command would be read as part of it, and its answer (or the connection) lost.
        var half = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var rest = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        batcher.Submit((3, half));
        batcher.Submit((-1, rest));
        Assert.True(batcher.Tick(force: true));
        await Assert.ThrowsAsync<InvalidOperationException>(() => half.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        await Assert.ThrowsAsync<InvalidOperationException>(() => rest.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal((0L, 0L), (batcher.Batches, batcher.Items));

        var next = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var other = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        batcher.Submit((7, next));
        batcher.Submit((8, other), mayLinger: false);
        Assert.Equal(2, await next.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, await other.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, pipeline.Disconnects);
    }

    [Fact]
    public async Task WithALinger_ItemsWaitForCompany_AFullBatchGoesAtOnce_AndTheLastOnesGoWithTheTick()
    {
        var (direct, pipeline) = await PipelineAsync(TimeSpan.FromSeconds(1));
        using var _ = direct;
        await using var __ = pipeline;
        var batcher = new CountingBatcher(pipeline, linger: TimeSpan.FromMinutes(1));

        // Nothing in flight, yet nothing goes: the items linger for company.
        var lingering = Enumerable.Range(0, 5).Select(_ => Submit(batcher)).ToList();
        Assert.Equal((0L, 0L), (batcher.Batches, batcher.Items));

        // The eighth fills the batch: all eight go at once, in one call that carries eight arguments.
        var filling = Enumerable.Range(0, 3).Select(_ => Submit(batcher)).ToList();
        Assert.Equal((1L, 8L), (batcher.Batches, batcher.Items));
        Assert.All(await Task.WhenAll(lingering.Concat(filling).Select(t => t.WaitAsync(TimeSpan.FromSeconds(10)))), count => Assert.Equal(8, count));

        // The last ones of a burst: the pipeline's tick sends them once their linger is over (here, forced: a minute).
        var last = Enumerable.Range(0, 2).Select(_ => Submit(batcher)).ToList();
        Assert.Equal((1L, 8L), (batcher.Batches, batcher.Items));
        batcher.Tick(force: true);
        Assert.All(await Task.WhenAll(last.Select(t => t.WaitAsync(TimeSpan.FromSeconds(10)))), count => Assert.Equal(2, count));
        Assert.Equal((2L, 10L), (batcher.Batches, batcher.Items));

    }

    [Fact]
    public async Task ALingerEndsWithoutHelp_WithinAboutTwiceTheLinger_NotAtThePipelinesNextTick()
    {
        // The pipeline's own tick (the backstop before the batcher had a timer) comes every 250 ms at this timeout.
        var (direct, pipeline) = await PipelineAsync(TimeSpan.FromSeconds(4));
        using var _ = direct;
        await using var __ = pipeline;
        var batcher = new CountingBatcher(pipeline, linger: TimeSpan.FromMilliseconds(5));

        // Lone items, one after another: each waits out its linger, then the batcher's timer sends it. The median wait
        // is compared, so a hiccup of this machine does not decide it; with the pipeline's tick as the only backstop
        // the waits spread over 0-250 ms and their median is about 125.
        var waits = new List<TimeSpan>();
        for (var round = 0; round < 15; round++)
        {
            var submitted = Stopwatch.GetTimestamp();
            var alone = Submit(batcher);
            Assert.Equal(1, await alone.WaitAsync(TimeSpan.FromSeconds(10)));
            waits.Add(Stopwatch.GetElapsedTime(submitted));
        }

        Assert.All(waits, wait => Assert.True(wait >= TimeSpan.FromMilliseconds(5), $"sent after {wait.TotalMilliseconds} ms, before its linger was over"));
        waits.Sort();
        Assert.InRange(waits[waits.Count / 2], TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(60));
        Assert.Equal((15L, 15L), (batcher.Batches, batcher.Items));
    }

    [Fact]
    public async Task UnderASteadyLoad_TheLingersWakeUpBacksOff_AndStillSendsTheLastItems()
    {
        var (direct, pipeline) = await PipelineAsync(TimeSpan.FromSeconds(4));
        using var _ = direct;
        await using var __ = pipeline;
        var batcher = new CountingBatcher(pipeline, linger: TimeSpan.FromMilliseconds(20));

        // Items a few ms apart for 2 s: each linger is ended by a later submission, never by the wake-up, which is armed
        // 40 ms ahead whenever something lingers. Without the back-off it fires ~25 times (seen: 15 in 1.2 s); with it,
        // 40, 80, ... 320 ms apart: about 8, plus one for each hiccup of this machine long enough (40 ms) for a wake-up to
        // find a linger over and send it, which starts the back-off again (seen: 13 in a full-suite run). 16 still fails
        // without the back-off.
        var items = new List<Task<long>>();
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(2))
        {
            items.Add(Submit(batcher));
            await Task.Delay(2);
        }

        Assert.True(pipeline.WakeUps <= 16, $"{pipeline.WakeUps} wake-ups for {items.Count} items in {batcher.Batches} batches");

        // The traffic stopped: what still lingers goes at the next wake-up, at most 8 x 40 ms away, and that wake-up
        // brings the next ones back to 40 ms.
        var stopped = Stopwatch.GetTimestamp();
        await Task.WhenAll(items).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.InRange(Stopwatch.GetElapsedTime(stopped), TimeSpan.Zero, TimeSpan.FromMilliseconds(1000));
        Assert.Equal(items.Count, batcher.Items);
        var lone = Stopwatch.GetTimestamp();
        Assert.Equal(1, await Submit(batcher).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.InRange(Stopwatch.GetElapsedTime(lone), TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task ACall_IsCountedSent_BeforeItsReplyCanArrive()
    {
        // The counts feed the metrics and the tests' assertions: a reply (and whoever awaited it) must never see its own
        // call uncounted. Counted after the send, a fast reply raced the count (seen as 14 of 15 in CI).
        var (direct, pipeline) = await PipelineAsync(TimeSpan.FromSeconds(4));
        using var _ = direct;
        await using var __ = pipeline;
        var batcher = new CountingBatcher(pipeline);

        for (var round = 1; round <= 500; round++)
        {
            Assert.Equal(1, await Submit(batcher).WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal((round, round), (batcher.Batches, batcher.Items));
        }

        Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), batcher.BatchesAtReply);
    }

    [Fact]
    public async Task AShortLinger_IsNotHeldBackByALongerOneWaitingBesideIt()
    {
        // The pipeline's own tick comes every 250 ms at this timeout; the long linger's wake-up after 400 ms.
        var (direct, pipeline) = await PipelineAsync(TimeSpan.FromSeconds(4));
        using var _ = direct;
        await using var __ = pipeline;
        var slow = new CountingBatcher(pipeline, linger: TimeSpan.FromMilliseconds(200));
        var fast = new CountingBatcher(pipeline, linger: TimeSpan.FromMilliseconds(5));

        // Each round: the slow batcher lingers (its wake-up set for 400 ms), then a fast item must still go after ~10 ms.
        // The median is compared, so a hiccup of this machine does not decide it; held back by the slow wake-up, the
        // waits would spread over 0-250 ms (the pipeline's tick).
        var waits = new List<TimeSpan>();
        var slowItems = new List<Task<long>>();
        for (var round = 0; round < 9; round++)
        {
            slowItems.Add(Submit(slow));
            var submitted = Stopwatch.GetTimestamp();
            Assert.Equal(1, await Submit(fast).WaitAsync(TimeSpan.FromSeconds(10)));
            waits.Add(Stopwatch.GetElapsedTime(submitted));
        }

        waits.Sort();
        Assert.InRange(waits[waits.Count / 2], TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(60));

        // The slow items go too, once their own linger is over.
        Assert.All(await Task.WhenAll(slowItems.Select(t => t.WaitAsync(TimeSpan.FromSeconds(10)))), count => Assert.InRange(count, 1, 9));
    }

    [Fact]
    public async Task AnItemThatMayNotLinger_GoesWithTheNextReply_EvenWhenItHadToWaitForASlot()
    {
        var (direct, pipeline) = await PipelineAsync(TimeSpan.FromSeconds(4));
        using var _ = direct;
        await using var __ = pipeline;
        var batcher = new CountingBatcher(pipeline, linger: TimeSpan.FromMinutes(1));

        // The one slot is taken; the next waited item must wait for it, then go at once, not linger a minute.
        var first = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var second = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        batcher.Submit((1, first), mayLinger: false);
        batcher.Submit((1, second), mayLinger: false);
        Assert.Equal(1, await first.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, await second.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal((2L, 2L), (batcher.Batches, batcher.Items));
    }

    [Fact]
    public async Task AnOptimisticAdmission_LingersWhileOthersAreInFlight_AWaitedOneNeverDoes_AndTakesItAlong()
    {
        var (direct, pipeline) = await PipelineAsync(TimeSpan.FromSeconds(4));
        using var _ = direct;
        await using var __ = pipeline;
        var account = "linger-" + Guid.NewGuid().ToString("N");
        await direct.GetDatabase().HashSetAsync(RedisKeys.Account(account), [new("status", "active"), new("balance_nanos", 1_000_000_000_000)]);
        var options = Options.Create(new MeteringOptions { OptimisticAdmission = true, AdmissionLinger = TimeSpan.FromMinutes(1) });
        var admission = new RedisAdmission(direct, pipeline, new LocalFallbackLimiter(TimeProvider.System), TimeProvider.System, options);
        var calls = pipeline.Batchers.Single(batcher => batcher.Name == "admission");
        var key = new ApiKeyInfo("k-" + account, null, null) { Account = account, Rpm = 1_000_000, Tpm = 1_000_000_000 };
        var record = InflightRecord(account, key.KeyId, "linger");

        // Waited for: it goes at once (a minute's linger would show), and Redis's answer tells the key's room.
        var first = admission.AdmitAsync(key, 10, UniqueId.NewHex(), record);
        Assert.Equal((1L, 1L), (calls.Batches, calls.Items));
        Assert.Equal(AdmissionVerdict.Admitted, (await first.WaitAsync(TimeSpan.FromSeconds(10))).Verdict);

        // Optimistic, with other requests in flight: it waits for company.
        var lingering = admission.TryAdmitOptimistically(key, 10, UniqueId.NewHex(), record, 0, TimeSpan.FromMinutes(1), mayLinger: true, out var lingeringLimits);
        Assert.NotNull(lingering);
        Assert.True(lingeringLimits.RequestsRemaining > 0);
        var lingeringAnswer = Answer(lingering);
        Assert.Equal((1L, 1L), (calls.Batches, calls.Items));

        // The next waited admission does not linger and takes it along: one call for both.
        var second = admission.AdmitAsync(key, 10, UniqueId.NewHex(), record);
        Assert.Equal((2L, 3L), (calls.Batches, calls.Items));
        Assert.Equal(AdmissionVerdict.Admitted, (await second.WaitAsync(TimeSpan.FromSeconds(10))).Verdict);
        Assert.True(await lingeringAnswer.WaitAsync(TimeSpan.FromSeconds(10)));

        // Optimistic and alone: it goes at once.
        var alone = admission.TryAdmitOptimistically(key, 10, UniqueId.NewHex(), record, 0, TimeSpan.FromMinutes(1), mayLinger: false, out var aloneLimits);
        Assert.NotNull(alone);
        Assert.True(aloneLimits.RequestsRemaining > 0);
        Assert.Equal((3L, 4L), (calls.Batches, calls.Items));
        Assert.True(await Answer(alone).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(4, await direct.GetDatabase().HashLengthAsync(RedisKeys.Inflight(account)));

        static Task<bool> Answer(OptimisticAdmission admission)
        {
            var answered = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            admission.WhenAnswered(static (a, state) => ((TaskCompletionSource<bool>)state).TrySetResult(a.IsAdmitted), answered);
            return answered.Task;
        }
    }

    [Fact]
    public async Task LingeringItems_RideAlongWithTheNextCommandThePipelineWrites_AndALoneItemDoesNotLinger()
    {
        var (direct, pipeline) = await PipelineAsync(TimeSpan.FromSeconds(1));
        using var _ = direct;
        await using var __ = pipeline;
        var lingering = new CountingBatcher(pipeline, linger: TimeSpan.FromMinutes(1));
        var prompt = new CountingBatcher(pipeline);

        var waiting = Enumerable.Range(0, 3).Select(_ => Submit(lingering)).ToList();
        Assert.Equal((0L, 0L), (lingering.Batches, lingering.Items));

        // Another command goes: the lingering items go with it, long before their linger (a minute) or a tick would send them.
        var other = Submit(prompt);
        Assert.Equal((1L, 3L), (lingering.Batches, lingering.Items));
        Assert.Equal(1, await other.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.All(await Task.WhenAll(waiting.Select(t => t.WaitAsync(TimeSpan.FromSeconds(10)))), count => Assert.Equal(3, count));

        // An item with no company in sight does not linger at all.
        var alone = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        lingering.Submit((1, alone), mayLinger: false);
        Assert.Equal((2L, 4L), (lingering.Batches, lingering.Items));
        Assert.Equal(1, await alone.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    private static Task<long> Submit(CountingBatcher batcher)
    {
        var answer = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        batcher.Submit((1, answer));
        return answer.Task;
    }

    [Fact]
    public async Task AReplyThatEndsEarly_FailsTheRequestsLeftWithoutAnAnswer_AndLeavesNoneWaiting()
    {
        var requests = Enumerable.Range(0, 4).Select(_ => new AdmissionBatcher.Request(default)).ToList<AdmissionBatcher.Item>();

        // Two whole answers, then a third announced as 14 values long with only 2 of them.
        AdmissionBatcher.Dispatch(requests, [2, 0, 0, 2, 3, 0, 14, 0, 5]);

        var tasks = requests.Cast<AdmissionBatcher.Request>().Select(r => r.Task).ToList();
        Assert.All(tasks, task => Assert.True(task.IsCompleted));
        var first = await tasks[0];
        var second = await tasks[1];
        Assert.Equal(new long[] { 0, 0 }, first);
        Assert.Equal(new long[] { 3, 0 }, second);
        foreach (var task in tasks.Skip(2))
        {
            await Assert.ThrowsAsync<RedisServerException>(() => task);
        }
    }

    /// <summary>A request pipeline to the redis-server fixture (with the multiplexer it falls back on), once usable.</summary>
    private async Task<(ConnectionMultiplexer Direct, RespPipeline Pipeline)> PipelineAsync(TimeSpan timeout)
    {
        var endpoint = "127.0.0.1:" + servers.Port("redis-server").ToString(CultureInfo.InvariantCulture);
        var direct = await ConnectionMultiplexer.ConnectAsync(endpoint);
        var pipeline = new RespPipeline(endpoint, timeout, true, direct, NullLogger<RespPipeline>.Instance);
        await RedisServers.WaitUsableAsync(pipeline);
        return (direct, pipeline);
    }

    /// <summary>Counts its items' arguments (one each); an item of -1 cannot be encoded.</summary>
    private sealed class CountingBatcher(RespPipeline pipeline, TimeSpan linger = default)
        : RespBatcher<(int Value, TaskCompletionSource<long> Answer)>("test", pipeline, new RespScript("return #ARGV"), maxInFlight: 1, maxBatch: 8, linger)
    {
        protected override void Write(List<(int Value, TaskCompletionSource<long> Answer)> batch, RespArguments arguments)
        {
            foreach (var item in batch)
            {
                // Half of the batch is written when a broken item throws: none of it may reach Redis.
                arguments.Value(item.Value < 0 ? throw new InvalidOperationException("cannot encode") : item.Value);
            }
        }

        /// <summary>The batcher's count of calls sent, read as each reply arrived.</summary>
        public ConcurrentQueue<long> BatchesAtReply { get; } = new();

        protected override void OnReply(List<(int Value, TaskCompletionSource<long> Answer)> batch, in RespReply reply)
        {
            BatchesAtReply.Enqueue(Batches);
            foreach (var item in batch)
            {
                item.Answer.TrySetResult(reply.Integer);
            }
        }

        protected override void OnFailure(List<(int Value, TaskCompletionSource<long> Answer)> batch, Exception error)
        {
            foreach (var item in batch)
            {
                item.Answer.TrySetException(error);
            }
        }

        protected override void Reroute(List<(int Value, TaskCompletionSource<long> Answer)> batch) =>
            OnFailure(batch, new InvalidOperationException("rerouted"));
    }

    private static AdmissionBatcher.Request Submit(AdmissionBatcher batcher, string account, string keyId, int n)
    {
        var eventId = "e" + n.ToString(CultureInfo.InvariantCulture);
        var (keys, _) = Admission(account, keyId, rpm: 0, tpm: 0, tokens: 10, dailyCap: 0, eventId: eventId);
        var request = new AdmissionBatcher.Request(new AdmissionArguments(keys[..^1], 0, 0, 10, 0, 0, "k:" + keyId, eventId, InflightRecord(account, keyId, eventId)));
        batcher.Submit(request);
        return request;
    }

    private static List<(RedisKey[] Keys, RedisValue[] Values)> AdmissionRequests()
    {
        List<(RedisKey[], RedisValue[])> requests = [];
        for (var i = 0; i < 4; i++)
        {
            requests.Add(Admission("a", "k1", rpm: 3, tpm: 0, tokens: 10, dailyCap: 0, eventId: "a1-" + i));   // the 4th: over the key's RPM
            requests.Add(Admission("a", "k2", rpm: 0, tpm: 100, tokens: 40, dailyCap: 0, eventId: "a2-" + i)); // the 3rd: over its TPM
            requests.Add(Admission("b", "k3", rpm: 0, tpm: 0, tokens: 5, dailyCap: 0, eventId: "b3-" + i));    // account b: RPM 6 ...
            requests.Add(Admission("b", "k4", rpm: 0, tpm: 0, tokens: 5, dailyCap: 0, eventId: "b4-" + i));    // ... shared by both keys
        }

        requests.Add(Admission("c", "k5", rpm: 0, tpm: 0, tokens: 5, dailyCap: 0, eventId: "c5"));       // suspended
        requests.Add(Admission("d", "k6", rpm: 0, tpm: 0, tokens: 5, dailyCap: 0, eventId: "d6"));       // no balance
        requests.Add(Admission("b", "k7", rpm: 0, tpm: 0, tokens: 5, dailyCap: 2_000, eventId: "b7"));   // over its daily cap
        requests.Add(Admission("a", "k8", rpm: 0, tpm: 0, tokens: 5, dailyCap: 0, eventId: "a8", mostCost: 5_000_000_001)); // more than a's balance
        requests.Add(Admission("a", "k8", rpm: 0, tpm: 0, tokens: 5, dailyCap: 0, eventId: "a8b", mostCost: 5_000_000_000)); // all of it: admitted
        // Account e's key k9 caps each end user at 500 a day and 100 a month: x spent 500 today, y 100 this month, z nothing.
        requests.Add(Admission("e", "k9", rpm: 0, tpm: 0, tokens: 5, dailyCap: 0, eventId: "e9x", endUser: ("u:x", 500, 100)));
        requests.Add(Admission("e", "k9", rpm: 0, tpm: 0, tokens: 5, dailyCap: 0, eventId: "e9y", endUser: ("u:y", 500, 100)));
        requests.Add(Admission("e", "k9", rpm: 0, tpm: 0, tokens: 5, dailyCap: 0, eventId: "e9z", endUser: ("u:z", 500, 100)));
        requests.Add(Admission("e", "k9", rpm: 0, tpm: 0, tokens: 5, dailyCap: 0, eventId: "e9x2", endUser: ("u:x", 500, 100)));
        // Key k10 of account e allows each end user 2 requests a minute: w's third is refused, v is served.
        for (var i = 0; i < 3; i++)
        {
            requests.Add(Admission("e", "k10", rpm: 0, tpm: 0, tokens: 5, dailyCap: 0, eventId: "e10w" + i, endUser: ("u:w", 0, 0), endUserRpm: 2));
        }

        requests.Add(Admission("e", "k10", rpm: 0, tpm: 0, tokens: 5, dailyCap: 0, eventId: "e10v", endUser: ("u:v", 0, 0), endUserRpm: 2));
        return requests;
    }

    private static (RedisKey[] Keys, RedisValue[] Values) Admission(
        string account,
        string keyId,
        long rpm,
        long tpm,
        long tokens,
        long dailyCap,
        string eventId,
        long mostCost = 0,
        (string Field, long Daily, long Monthly)? endUser = null,
        long endUserRpm = 0)
    {
        var now = DateTimeOffset.UtcNow;
        RedisKey[] keys =
        [
            RedisKeys.Account(account), RedisKeys.RateLimit(account, keyId, "rpm"), RedisKeys.RateLimit(account, keyId, "tpm"),
            RedisKeys.RateLimit(account, null, "rpm"), RedisKeys.RateLimit(account, null, "tpm"),
            RedisKeys.DailySpend(account, now), RedisKeys.MonthlySpend(account, now), RedisKeys.Inflight(account),
            endUserRpm > 0 ? EndUserSpend.RpmCell(account, keyId, endUser!.Value.Field) : RedisKeys.Inflight(account),
        ];
        RedisValue[] values =
        [
            rpm, tpm, tokens, dailyCap, 0, "k:" + keyId, eventId, "{\"record\":\"" + eventId + "\"}", mostCost,
            endUser?.Field ?? "", endUser?.Daily ?? 0, endUser?.Monthly ?? 0, endUserRpm,
        ];
        return (keys, values);
    }

    private static async Task SeedAccountsAsync(ConnectionMultiplexer redis)
    {
        await redis.GetServer(redis.GetEndPoints()[0]).FlushAllDatabasesAsync();
        var db = redis.GetDatabase();
        await db.HashSetAsync(RedisKeys.Account("a"), [new("status", "active"), new("balance_nanos", 5_000_000_000), new("monthly_cap_nanos", 9_000_000_000)]);
        await db.HashSetAsync(RedisKeys.Account("b"), [new("status", "active"), new("balance_nanos", 7_000_000_000), new("rpm", 6)]);
        await db.HashSetAsync(RedisKeys.Account("c"), [new("status", "suspended"), new("balance_nanos", 7_000_000_000)]);
        await db.HashSetAsync(RedisKeys.Account("d"), [new("status", "active"), new("balance_nanos", 0)]);
        var now = DateTimeOffset.UtcNow;
        await db.HashSetAsync(RedisKeys.DailySpend("b", now), [new("account", 1_000), new("k:k7", 2_000)]);
        await db.HashSetAsync(RedisKeys.MonthlySpend("a", now), [new("account", 3_000)]);
        await db.HashSetAsync(RedisKeys.Account("e"), [new("status", "active"), new("balance_nanos", 7_000_000_000)]);
        await db.HashSetAsync(RedisKeys.DailySpend("e", now), [new("account", 600), new("u:x", 500), new("u:y", 100)]);
        await db.HashSetAsync(RedisKeys.MonthlySpend("e", now), [new("account", 600), new("u:x", 500), new("u:y", 100)]);
    }

    private static List<(Settlement Settlement, string Json)> Settlements()
    {
        List<(Settlement, string)> settlements =
        [
            Settle("e1", "a", "k1", cost: 1_000, tokensIn: 10, tokensOut: 20, delta: 5, SettlementClaim.Inflight, "u:x"), // its record exists: charged
            Settle("e2", "a", "k1", cost: 2_000, tokensIn: 1, tokensOut: 1, delta: 0, SettlementClaim.Inflight),     // no record: already settled
            Settle("e3", "a", "k2", cost: 3_000, tokensIn: 7, tokensOut: 9, delta: -30, SettlementClaim.Marker, "u:x"), // first with its marker
            Settle("e3", "a", "k2", cost: 3_000, tokensIn: 7, tokensOut: 9, delta: -30, SettlementClaim.Marker, "u:x"), // the same again: duplicate
            Settle("e5", "b", "k3", cost: 1_500, tokensIn: 3, tokensOut: 4, delta: 200, SettlementClaim.Sweep, "u:y"),  // swept, with a record
            Settle("e6", "a", "k1", cost: 0, tokensIn: 2, tokensOut: 0, delta: -1_000_000, SettlementClaim.Inflight),  // free; drains the TPM cells
            Settle("e7", "b", "k4", cost: 36_028_797_018_963_971, tokensIn: 1, tokensOut: 1, delta: 0, SettlementClaim.Marker), // beyond 2^53
            Settle("e8", "c", "k5", cost: 10, tokensIn: 1, tokensOut: 2, delta: 1, SettlementClaim.Marker),
            Settle("e1", "a", "k1", cost: 1_000, tokensIn: 10, tokensOut: 20, delta: 5, SettlementClaim.Inflight, "u:x"), // replayed: duplicate
        ];
        return settlements;
    }

    /// <summary>An in-flight record as admission writes one (what the sweep would charge).</summary>
    private static Settlement InflightRecord(string account, string keyId, string eventId) =>
        new(new UsageEvent { Id = eventId, RequestId = "req-" + eventId, KeyId = keyId, Account = account, Model = "m", Provider = "unknown", PromptTokens = 10, Status = UsageStatus.Aborted, HttpStatus = 499, Estimated = true }, 0, 0, "gw-test");

    private static (Settlement, string) Settle(
        string id, string account, string keyId, long cost, long tokensIn, long tokensOut, long delta, SettlementClaim claim, string? endUserField = null)
    {
        var usage = new UsageEvent
        {
            Id = id,
            RequestId = "req-" + id,
            KeyId = keyId,
            Account = account,
            Model = "m",
            Provider = "p",
            PromptTokens = tokensIn,
            CompletionTokens = tokensOut,
            CostNanos = cost,
            Status = UsageStatus.Ok,
            HttpStatus = 200,
            EndedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
        return (new Settlement(usage, KeyTpm: 6_000, TokenDelta: delta, Claim: claim) { EndUserField = endUserField }, "{\"id\":\"" + id + "\"}");
    }

    /// <summary>Seeds the settlement scenario; returns the server's time its rate-limit cells are relative to.</summary>
    private static async Task<long> SeedForSettlementAsync(ConnectionMultiplexer redis)
    {
        await redis.GetServer(redis.GetEndPoints()[0]).FlushAllDatabasesAsync();
        var db = redis.GetDatabase();
        await db.HashSetAsync(RedisKeys.Account("a"), [new("status", "active"), new("balance_nanos", 5_000_000_000), new("tpm", 60_000)]);
        await db.HashSetAsync(RedisKeys.Account("b"), [new("status", "active"), new("balance_nanos", 4_000_000_000_000_000_000)]);
        await db.HashSetAsync(RedisKeys.Account("c"), [new("status", "active"), new("balance_nanos", 100)]);
        await db.HashSetAsync(RedisKeys.Inflight("a"), [new("e1", "{}"), new("e6", "{}"), new("other", "{}")]);
        await db.HashSetAsync(RedisKeys.Inflight("b"), [new("e5", "{}")]);
        var now = await ServerMillisAsync(redis);
        foreach (var (account, keyId) in new[] { ("a", "k1"), ("a", "k2"), ("b", "k3") })
        {
            await db.StringSetAsync(RedisKeys.RateLimit(account, keyId, "tpm"), (now + 30_000).ToString(CultureInfo.InvariantCulture), TimeSpan.FromMinutes(2));
        }

        await db.StringSetAsync(RedisKeys.RateLimit("a", null, "tpm"), (now + 20_000).ToString(CultureInfo.InvariantCulture), TimeSpan.FromMinutes(2));
        return now;
    }

    private static List<long[]> ReadAdmission(RedisResult result, int count)
    {
        var flat = ((RedisResult[])result!).Select(r => r.IsNull ? 0 : (long)r).ToArray();
        var answers = new List<long[]>();
        var offset = 0;
        for (var i = 0; i < count; i++)
        {
            Assert.True(AdmissionScript.TryAnswer(flat, ref offset, out ReadOnlySpan<long> answer), $"no answer for request {i}");
            answers.Add(answer.ToArray());
        }

        Assert.Equal(flat.Length, offset);
        return answers;
    }

    private static async Task<long> ServerMillisAsync(ConnectionMultiplexer redis) =>
        new DateTimeOffset(await redis.GetServer(redis.GetEndPoints()[0]).TimeAsync(), TimeSpan.Zero).ToUnixTimeMilliseconds();

    /// <summary>
    /// Every key: its value (hash fields sorted, list in order, set sorted) and whether it expires. A rate-limit cell (a
    /// time in ms) is taken relative to <paramref name="start"/>, the server's time when the run began, so two runs
    /// seconds apart compare.
    /// </summary>
    private static async Task<SortedDictionary<string, (string Value, bool Expires)>> SnapshotAsync(ConnectionMultiplexer redis, long start)
    {
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var db = redis.GetDatabase();
        var state = new SortedDictionary<string, (string, bool)>(StringComparer.Ordinal);
        await foreach (var key in server.KeysAsync(pattern: "*"))
        {
            var value = await db.KeyTypeAsync(key) switch
            {
                RedisType.Hash => string.Join(",", (await db.HashGetAllAsync(key)).Select(e => e.Name + "=" + e.Value).Order(StringComparer.Ordinal)),
                RedisType.List => string.Join(",", (await db.ListRangeAsync(key)).Select(v => v.ToString())),
                RedisType.Set => string.Join(",", (await db.SetMembersAsync(key)).Select(v => v.ToString()).Order(StringComparer.Ordinal)),
                RedisType.String when IsCell(key.ToString()) =>
                    (double.Parse((string)(await db.StringGetAsync(key))!, CultureInfo.InvariantCulture) - start).ToString(CultureInfo.InvariantCulture),
                RedisType.String => (string?)await db.StringGetAsync(key) ?? "",
                var other => other.ToString(),
            };
            state[key.ToString()] = (value, await db.KeyTimeToLiveAsync(key) is not null);
        }

        return state;
    }

    private static void AssertSameState(
        SortedDictionary<string, (string Value, bool Expires)> alone, SortedDictionary<string, (string Value, bool Expires)> batched, double slackMs)
    {
        Assert.Equal(alone.Keys, batched.Keys);
        foreach (var (key, (value, expires)) in alone)
        {
            Assert.True(expires == batched[key].Expires, $"{key}: expires alone {expires}, batched {batched[key].Expires}");
            if (IsCell(key))
            {
                // A rate-limit cell, relative to its run's start: one call each runs a few ms longer than one batch.
                Assert.InRange(
                    double.Parse(batched[key].Value, CultureInfo.InvariantCulture),
                    double.Parse(value, CultureInfo.InvariantCulture) - slackMs,
                    double.Parse(value, CultureInfo.InvariantCulture) + slackMs);
            }
            else
            {
                Assert.True(value == batched[key].Value, $"{key}: alone {value}, batched {batched[key].Value}");
            }
        }
    }

    private static bool IsCell(string key) => key.EndsWith(":rpm", StringComparison.Ordinal) || key.EndsWith(":tpm", StringComparison.Ordinal);

    private async Task<ConnectionMultiplexer> ConnectAsync(string server)
    {
        var port = servers.Port(server);
        return await ConnectionMultiplexer.ConnectAsync("127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + ",allowAdmin=true");
    }
}
