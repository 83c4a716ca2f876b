using System.Text.Json;
using MassRouter.Core.Redis;
using MassRouter.Core.Usage;
using StackExchange.Redis;

namespace MassRouter.ControlApi.Tests.Infrastructure;

/// <summary>Does what the gateway's settle script does: charge the balance and push the usage event, atomically.</summary>
public static class UsageEvents
{
    public static UsageEvent Make(string account, long costNanos, string model = "sim/openai", string keyId = "1", long? endedAt = null, string? id = null)
    {
        var end = endedAt ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return new UsageEvent
        {
            Id = id ?? Guid.NewGuid().ToString("N"),
            RequestId = "req-" + Guid.NewGuid().ToString("N"),
            KeyId = keyId,
            Account = account,
            Model = model,
            Provider = "sim",
            UpstreamModel = "upstream",
            PromptTokens = 100,
            CompletionTokens = 50,
            CachedTokens = 10,
            ReasoningTokens = 0,
            CostNanos = costNanos,
            Status = UsageStatus.Ok,
            HttpStatus = 200,
            StartedAt = end - 1000,
            EndedAt = end,
            LatencyMs = 1000,
            TtftMs = 100,
        };
    }

    public static async Task SettleAsync(IDatabase redis, UsageEvent usage)
    {
        var json = JsonSerializer.Serialize(usage, CoreJson.Default.UsageEvent);
        var transaction = redis.CreateTransaction();
        _ = transaction.HashIncrementAsync(RedisKeys.Account(usage.Account), AccountFields.BalanceNanos, -usage.CostNanos);
        _ = transaction.ListRightPushAsync(RedisKeys.Outbox(usage.Account), json);
        Assert.True(await transaction.ExecuteAsync());
        await redis.SetAddAsync(RedisKeys.OutboxAccounts, usage.Account);
    }
}
