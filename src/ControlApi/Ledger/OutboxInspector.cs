using System.Text.Json;
using MassRouter.Core.Redis;
using MassRouter.Core.Usage;
using StackExchange.Redis;

namespace MassRouter.ControlApi.Ledger;

/// <summary>
/// Reads an account's working balance together with its unflushed usage, without draining anything. The three reads
/// run in one MULTI (the keys share the account's hash tag), so a charge landing meanwhile is either in both the
/// balance and the outbox or in neither.
/// </summary>
internal sealed class OutboxInspector(IConnectionMultiplexer redis)
{
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
}
