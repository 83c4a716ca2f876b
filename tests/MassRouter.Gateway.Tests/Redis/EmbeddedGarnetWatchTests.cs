using MassRouter.Core.Redis;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Redis;
using MassRouter.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace MassRouter.Gateway.Tests.Redis;

/// <summary>
/// The embedded Garnet drops its oldest records once its memory budget is full (it is a cache without a storage tier):
/// the default budget must hold what a gateway without a ledger flusher piles up, and the gateway must say so well before.
/// </summary>
public class EmbeddedGarnetWatchTests
{
    private static readonly string Event = new('e', 500);

    [Fact]
    public async Task TheDefaultBudget_KeepsTheBalance_UnderAnOutboxPastTheFormerBudget()
    {
        // The failure this guards against: with a 64 MiB budget, an undrained outbox of ~140,000 usage events (~70 MB)
        // made Garnet drop the account (its balance restarted from zero) and the outbox itself.
        using var garnet = EmbeddedGarnet.Start(new MeteringOptions().EmbeddedMemory);
        using var redis = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString);
        var db = redis.GetDatabase();
        await db.HashSetAsync(RedisKeys.Account("u_quiet"), [new(AccountFields.BalanceNanos, 123_456_789)]);

        var outbox = RedisKeys.Outbox("u_busy");
        const int Events = 160_000;
        await PushAsync(db, outbox, Events, markers: true);

        Assert.Equal(123_456_789, (long)await db.HashGetAsync(RedisKeys.Account("u_quiet"), AccountFields.BalanceNanos));
        Assert.Equal(Events, await db.ListLengthAsync(outbox));
        Assert.Equal(Event + "0", (string?)await db.ListGetByIndexAsync(outbox, 0));
    }

    [Fact]
    public async Task GarnetsOwnFigures_WarnAtHalfTheBudget_AndAlarmAt80Percent_OnceEach()
    {
        using var garnet = EmbeddedGarnet.Start("16m");
        using var redis = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString);
        var logs = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(builder => builder.AddProvider(logs));
        using var watch = new EmbeddedGarnetWatch(garnet, TimeProvider.System, loggers.CreateLogger<EmbeddedGarnetWatch>());
        var db = redis.GetDatabase();
        var outbox = RedisKeys.Outbox("u_busy");

        await watch.SampleAsync();
        const long Budget = 16L * 1024 * 1024;
        Assert.Equal(Budget, watch.BudgetBytes);
        Assert.InRange(watch.UsedBytes, 1, Budget / 2);
        Assert.Empty(logs.Messages);

        // ~7.5 MB of usage events (~590 bytes each in Garnet's heap): past half of the budget.
        await PushAsync(db, outbox, 12_800);
        await watch.SampleAsync();
        Assert.InRange(watch.UsedBytes, Budget / 2, Budget * 8 / 10);
        var warning = Assert.Single(logs.Messages);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("MassRouter:Metering:EmbeddedMemory", warning.Message, StringComparison.Ordinal);
        await watch.SampleAsync();
        Assert.Single(logs.Messages);

        // ~12 MB: past 80%, still under the budget (nothing dropped yet).
        await PushAsync(db, outbox, 7_600);
        await watch.SampleAsync();
        Assert.InRange(watch.UsedBytes, Budget * 8 / 10, Budget);
        Assert.Equal(2, logs.Messages.Count);
        Assert.Equal(LogLevel.Error, logs.Messages.Last().Level);
        Assert.Equal(20_400, await db.ListLengthAsync(outbox));
    }

    [Fact]
    public void AReadingThatFallsBack_ArmsTheWarningsAgain()
    {
        var logs = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(builder => builder.AddProvider(logs));
        var watch = new EmbeddedGarnetWatch(null!, TimeProvider.System, loggers.CreateLogger<EmbeddedGarnetWatch>());

        watch.Observe(85, 100);
        watch.Observe(60, 100);
        Assert.Single(logs.Messages);
        watch.Observe(45, 100);
        watch.Observe(55, 100);
        Assert.Single(logs.Messages);
        watch.Observe(30, 100);
        watch.Observe(55, 100);
        Assert.Equal([LogLevel.Error, LogLevel.Warning], logs.Messages.Select(m => m.Level));
    }

    [Fact]
    public void GarnetsInfo_IsReadForTheLogItsHeapAndTheBudget()
    {
        const string Info = "# Store_DB_0\r\nLog.MaxMemorySizeBytes:67108864\r\nLog.CurrentMemorySizeBytes:2097152\r\nLog.CurrentHeapSizeBytes:32984\r\nLog.TailAddress:1027968\r\n";
        Assert.True(EmbeddedGarnetWatch.TryParse(Info, out var used, out var budget));
        Assert.Equal(2097152 + 32984, used);
        Assert.Equal(67108864, budget);
        Assert.False(EmbeddedGarnetWatch.TryParse("# Store_DB_0\r\nLog.TailAddress:1\r\n", out _, out _));
    }

    /// <summary>Appends usage events to <paramref name="outbox"/>; with <paramref name="markers"/>, a new short-lived key per event as well, as
    /// requests leave behind (the log's tail moves on to new pages, which is when Garnet evicts to keep to its budget).</summary>
    private static async Task PushAsync(IDatabase db, RedisKey outbox, int events, bool markers = false)
    {
        var start = (int)await db.ListLengthAsync(outbox);
        for (var done = 0; done < events; done += 2_000)
        {
            var batch = new List<Task>(2_000);
            for (var i = done; i < Math.Min(events, done + 2_000); i++)
            {
                batch.Add(db.ListRightPushAsync(outbox, Event + (start + i)));
                if (markers)
                {
                    batch.Add(db.StringSetAsync("mr:{a:u_busy}:settled:" + (start + i), "1", TimeSpan.FromHours(1)));
                }
            }

            await Task.WhenAll(batch);
        }
    }
}
