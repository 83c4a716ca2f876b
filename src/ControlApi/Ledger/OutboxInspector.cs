using System.Text.Json;
using MassRouter.Core.Redis;
using MassRouter.Core.Usage;
using StackExchange.Redis;

namespace MassRouter.ControlApi.Ledger;

/// <summary>
/// Reads an account's working balance together with its unflushed usage, without draining anything. The three reads
/// run in one MULTI (the keys share the account's hash tag), so a charge landing meanwhile is either in both the
/// balance and the outbox or in neither. <see cref="PauseAsync"/> holds the flusher off the account meanwhile, so no
/// event moves between the outbox and the ledger while the two are read.
/// </summary>
internal sealed class OutboxInspector(IConnectionMultiplexer redis, TimeProvider time)
{
    private static readonly TimeSpan PauseTtl = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan BatchWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Stops the flusher from starting batches for the account and waits for the one in progress (its in-flight list
    /// empties); dispose to resume. A crashed flusher's in-flight list never empties: after a short wait it is read as is.
    /// </summary>
    public async Task<IAsyncDisposable> PauseAsync(string account)
    {
        var db = redis.GetDatabase();
        var pause = LedgerKeys.Pause(account);
        await db.StringSetAsync(pause, 1, PauseTtl);
        var deadline = time.GetTimestamp() + (long)(BatchWait.TotalSeconds * time.TimestampFrequency);
        while (await db.ListLengthAsync(RedisKeys.OutboxInflight(account)) > 0 && time.GetTimestamp() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5), time);
        }

        return new Resume(db, pause);
    }

    public async Task<OutboxSnapshot> SnapshotAsync(string account)
    {
        var transaction = redis.GetDatabase().CreateTransaction();
        var balance = transaction.HashGetAsync(RedisKeys.Account(account), AccountFields.BalanceNanos);
        var inflight = transaction.ListRangeAsync(RedisKeys.OutboxInflight(account));
        var outbox = transaction.ListRangeAsync(RedisKeys.Outbox(account));
        await transaction.ExecuteAsync();
        var events = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var value in (await inflight).Concat(await outbox))
        {
            try
            {
                if (JsonSerializer.Deserialize((byte[])value!, CoreJson.Default.UsageEvent) is { Id.Length: > 0 } usage)
                {
                    events.TryAdd(usage.Id, usage.CostNanos);
                }
            }
            catch (JsonException)
            {
                // Malformed events are never charged to the ledger; the flusher sets them aside.
            }
        }

        var working = await balance;
        return new OutboxSnapshot(working.IsNull ? null : (long)working, events);
    }

    private sealed class Resume(IDatabase db, string pause) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await db.KeyDeleteAsync(pause);
    }
}
