using MassRouter.ControlApi.Configuration;
using MassRouter.ControlApi.Ledger;
using MassRouter.Core.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace MassRouter.ControlApi.Tests.Ledger;

public abstract class LedgerFlusherTests(ControlApiFixture fixture)
{
    [Fact]
    public async Task Events_AppearExactlyOnce_EvenWhenFlusherIsKilledBetweenInsertAndClear()
    {
        var user = await fixture.NewUserAsync();
        var events = Enumerable.Range(0, 5).Select(i => UsageEvents.Make(user.Account, 1_000 + i)).ToList();
        foreach (var usage in events)
        {
            await UsageEvents.SettleAsync(fixture.RedisDb, usage);
        }

        var crashing = NewFlusher();
        Assert.True(await crashing.HoldLockAsync());
        // Other tests' accounts may be drained in the same pass; only this account's batch is "killed".
        crashing.AfterInsert = account => account == user.Account ? throw new InvalidOperationException("killed between insert and clear") : Task.CompletedTask;
        await Assert.ThrowsAsync<InvalidOperationException>(() => crashing.FlushPassAsync(scan: false, CancellationToken.None));
        var ledger = fixture.Get<LedgerRepository>();
        Assert.Equal(5, await ledger.CountAsync(user.Account));
        Assert.Equal(5, await fixture.RedisDb.ListLengthAsync(RedisKeys.OutboxInflight(user.Account)));
        Assert.Equal(0, await fixture.RedisDb.ListLengthAsync(RedisKeys.Outbox(user.Account)));

        // The killed flusher's lock expires; a restarted flusher finds the in-flight batch by SCAN.
        await fixture.RedisDb.KeyDeleteAsync(RedisKeys.FlusherLock);
        var restarted = NewFlusher();
        Assert.True(await restarted.HoldLockAsync());
        Assert.True(await restarted.FlushPassAsync(scan: false, CancellationToken.None) >= 5);
        Assert.Equal(5, await ledger.CountAsync(user.Account));
        Assert.Equal(0, await fixture.RedisDb.ListLengthAsync(RedisKeys.OutboxInflight(user.Account)));

        // A gateway replaying an event it already pushed (same id) does not double-count it either.
        await UsageEvents.SettleAsync(fixture.RedisDb, events[0]);
        await UsageEvents.SettleAsync(fixture.RedisDb, UsageEvents.Make(user.Account, 7));
        await restarted.FlushPassAsync(scan: false, CancellationToken.None);
        Assert.Equal(6, await ledger.CountAsync(user.Account));
        await fixture.RedisDb.KeyDeleteAsync(RedisKeys.FlusherLock);
    }

    [Fact]
    public async Task BackgroundFlusher_DrainsOutboxesInBatches_AndHoldsTheSingleFlusherLock()
    {
        var user = await fixture.NewUserAsync();
        for (var i = 0; i < 25; i++)
        {
            await UsageEvents.SettleAsync(fixture.RedisDb, UsageEvents.Make(user.Account, 100));
        }

        var flusher = NewFlusher(batchSize: 10);
        await flusher.StartAsync(CancellationToken.None);
        try
        {
            var ledger = fixture.Get<LedgerRepository>();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (await ledger.CountAsync(user.Account) < 25)
            {
                await Task.Delay(20, timeout.Token);
            }

            Assert.Equal(0, await fixture.RedisDb.ListLengthAsync(RedisKeys.Outbox(user.Account)));
            Assert.False(await NewFlusher().HoldLockAsync(), "a second flusher must not run while the first holds the lock");
        }
        finally
        {
            await flusher.StopAsync(CancellationToken.None);
        }

        // Stopping releases the lock for the next flusher.
        var next = NewFlusher();
        Assert.True(await next.HoldLockAsync());
        await fixture.RedisDb.KeyDeleteAsync(RedisKeys.FlusherLock);
    }

    [Fact]
    public async Task BackgroundFlusher_SurvivesAFailedPass_AndFinishesTheBatchLater()
    {
        var user = await fixture.NewUserAsync();
        for (var i = 0; i < 4; i++)
        {
            await UsageEvents.SettleAsync(fixture.RedisDb, UsageEvents.Make(user.Account, 10));
        }

        var failed = new TaskCompletionSource();
        var flusher = NewFlusher();
        flusher.AfterInsert = account =>
        {
            if (account == user.Account && failed.TrySetResult())
            {
                throw new IOException("database connection dropped after commit");
            }

            return Task.CompletedTask;
        };
        await flusher.StartAsync(CancellationToken.None);
        try
        {
            await failed.Task.WaitAsync(TimeSpan.FromSeconds(10));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (await fixture.RedisDb.ListLengthAsync(RedisKeys.OutboxInflight(user.Account)) > 0)
            {
                await Task.Delay(20, timeout.Token);
            }
        }
        finally
        {
            await flusher.StopAsync(CancellationToken.None);
        }

        Assert.Equal(4, await fixture.Get<LedgerRepository>().CountAsync(user.Account));
        Assert.Equal(0, await fixture.RedisDb.ListLengthAsync(RedisKeys.Outbox(user.Account)));
    }

    [Fact]
    public async Task PausedAccount_IsSkipped_AndFlushedOnceResumed()
    {
        var user = await fixture.NewUserAsync();
        await UsageEvents.SettleAsync(fixture.RedisDb, UsageEvents.Make(user.Account, 5));
        await fixture.RedisDb.StringSetAsync(LedgerKeys.Pause(user.Account), 1);
        var flusher = NewFlusher();
        Assert.Equal(0, await flusher.DrainAsync(user.Account, CancellationToken.None));
        Assert.Equal(1, await fixture.RedisDb.ListLengthAsync(RedisKeys.Outbox(user.Account)));
        Assert.True(await fixture.RedisDb.SetContainsAsync(RedisKeys.OutboxAccounts, user.Account));

        await fixture.RedisDb.KeyDeleteAsync(LedgerKeys.Pause(user.Account));
        Assert.Equal(1, await flusher.DrainAsync(user.Account, CancellationToken.None));
        Assert.Equal(1, await fixture.Get<LedgerRepository>().CountAsync(user.Account));
    }

    [Fact]
    public async Task MalformedEvent_IsSetAside_AndDoesNotBlockTheOthers()
    {
        var user = await fixture.NewUserAsync();
        await fixture.RedisDb.ListRightPushAsync(RedisKeys.Outbox(user.Account), "{not json");
        await UsageEvents.SettleAsync(fixture.RedisDb, UsageEvents.Make(user.Account, 5));
        await NewFlusher().DrainAsync(user.Account, CancellationToken.None);
        Assert.Equal(1, await fixture.Get<LedgerRepository>().CountAsync(user.Account));
        Assert.Equal(1, await fixture.RedisDb.ListLengthAsync(LedgerKeys.DeadLetters(user.Account)));
    }

    private LedgerFlusher NewFlusher(int batchSize = 500) => Flushers.New(fixture, batchSize);
}

[Collection(PostgresCollection.Name)]
public sealed class LedgerFlusherTests_Postgres(PostgresControlApiFixture fixture) : LedgerFlusherTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class LedgerFlusherTests_Sqlite(SqliteControlApiFixture fixture) : LedgerFlusherTests(fixture);
