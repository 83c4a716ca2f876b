using System.Text.Json;
using MassRouter.Core.Redis;
using MassRouter.Core.Usage;
using StackExchange.Redis;

namespace MassRouter.ControlApi.Ledger;

/// <summary>Reads an account's outbox without draining it: usage charged in Redis but not yet in the ledger.</summary>
internal sealed class OutboxInspector(IConnectionMultiplexer redis, LedgerRepository ledger)
{
    public async Task<long> PendingCostAsync(string account)
    {
        var db = redis.GetDatabase();
        var inflight = await db.ListRangeAsync(RedisKeys.OutboxInflight(account));
        var outbox = await db.ListRangeAsync(RedisKeys.Outbox(account));
        var events = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var value in inflight.Concat(outbox))
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

        // An in-flight batch may already be committed (crash before the list was cleared): it is not pending then.
        var recorded = await ledger.ExistingAsync(events.Keys);
        return events.Where(e => !recorded.Contains(e.Key)).Sum(e => e.Value);
    }
}
