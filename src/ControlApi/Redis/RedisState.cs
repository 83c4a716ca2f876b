using System.Globalization;
using System.Text.Json;
using MassRouter.Core.Catalog;
using MassRouter.Core.Redis;
using MassRouter.Core.Usage;
using StackExchange.Redis;

namespace MassRouter.ControlApi.Redis;

/// <summary>
/// Writes what the gateways read (docs/redis-layout.md): key records, account records, the catalog, and the
/// invalidation messages on <c>mr:events</c> that make a change reach every gateway within a second.
/// </summary>
internal sealed class RedisState(IConnectionMultiplexer redis)
{
    public IDatabase Db => redis.GetDatabase();

    public async Task WriteKeyAsync(KeyRecord key)
    {
        await Db.HashSetAsync(RedisKeys.Key(key.Hash),
        [
            new(KeyFields.Id, key.Id),
            new(KeyFields.Account, key.Account),
            new(KeyFields.Status, key.Status),
            new(KeyFields.ExpiresAt, key.ExpiresAt),
            new(KeyFields.Models, key.Models),
            new(KeyFields.Rpm, key.Rpm),
            new(KeyFields.Tpm, key.Tpm),
            new(KeyFields.MaxConcurrency, key.MaxConcurrency),
            new(KeyFields.DailyCapNanos, key.DailyCapNanos),
            new(KeyFields.MonthlyCapNanos, key.MonthlyCapNanos),
        ]);
        await PublishAsync(RedisKeys.KeyChanged(key.Hash));
    }

    /// <summary>Writes status and limits, creating the balance field at <paramref name="initialBalanceNanos"/> only if it is missing.</summary>
    public async Task WriteAccountAsync(string account, AccountRecord record, long initialBalanceNanos = 0)
    {
        var key = RedisKeys.Account(account);
        var batch = Db.CreateBatch();
        var set = batch.HashSetAsync(key,
        [
            new(AccountFields.Status, record.Status),
            new(AccountFields.Rpm, record.Rpm),
            new(AccountFields.Tpm, record.Tpm),
            new(AccountFields.DailyCapNanos, record.DailyCapNanos),
            new(AccountFields.MonthlyCapNanos, record.MonthlyCapNanos),
        ]);
        var balance = batch.HashSetAsync(key, AccountFields.BalanceNanos, initialBalanceNanos, When.NotExists);
        Task paid = record.Paid ? batch.HashSetAsync(key, AccountFields.Paid, 1) : Task.CompletedTask;
        batch.Execute();
        await Task.WhenAll(set, balance, paid);
        await PublishAsync(RedisKeys.AccountChanged(account));
    }

    public async Task SetAccountStatusAsync(string account, string status)
    {
        await Db.HashSetAsync(RedisKeys.Account(account), AccountFields.Status, status);
        await PublishAsync(RedisKeys.AccountChanged(account));
    }

    /// <summary>Moves the working balance by <paramref name="deltaNanos"/> (top-ups and adjustments).</summary>
    public async Task<long> AddBalanceAsync(string account, long deltaNanos, bool markPaid)
    {
        var key = RedisKeys.Account(account);
        var balance = await Db.HashIncrementAsync(key, AccountFields.BalanceNanos, deltaNanos);
        if (markPaid && await Db.HashSetAsync(key, AccountFields.Paid, 1))
        {
            // The paid flag changes how gateways fail when Redis is unreachable, so they must reload it.
            await PublishAsync(RedisKeys.AccountChanged(account));
        }

        return balance;
    }

    public async Task<long?> GetBalanceAsync(string account)
    {
        var value = await Db.HashGetAsync(RedisKeys.Account(account), AccountFields.BalanceNanos);
        return value.IsNull ? null : long.Parse((string)value!, CultureInfo.InvariantCulture);
    }

    public async Task WriteCatalogAsync(CatalogDocument document)
    {
        await Db.StringSetAsync(RedisKeys.Catalog, JsonSerializer.Serialize(document, CoreJson.Default.CatalogDocument));
        await PublishAsync(RedisKeys.CatalogChanged);
    }

    private Task PublishAsync(string message) => Db.PublishAsync(RedisChannel.Literal(RedisKeys.EventsChannel), message);
}
