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
    /// <summary>How long a payment's credit marker lives: far longer than any retry of its credit.</summary>
    public static readonly TimeSpan PaymentCreditedTtl = TimeSpan.FromDays(30);

    // KEYS: account hash, credit marker. ARGV: amount, marker TTL (s), balance field, paid field.
    // Returns 0 when already credited, 1 when credited, 2 when credited and the paid flag was newly set.
    private const string CreditScript = """
        if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[2]) then
          return 0
        end
        if redis.call('HEXISTS', KEYS[1], ARGV[3]) == 1 then
          redis.call('HINCRBY', KEYS[1], ARGV[3], ARGV[1])
        end
        if redis.call('HSET', KEYS[1], ARGV[4], '1') == 1 then
          return 2
        end
        return 1
        """;

    public IDatabase Db => redis.GetDatabase();

    public async Task WriteKeyAsync(KeyRecord key)
    {
        await Db.HashSetAsync(RedisKeys.Key(key.Hash), Entries(key));
        await PublishAsync(RedisKeys.KeyChanged(key.Hash));
    }

    /// <summary>Writes (and announces) the key record only when Redis holds something else; true when it did.</summary>
    public async Task<bool> SyncKeyAsync(KeyRecord key)
    {
        if (Matches(await Db.HashGetAllAsync(RedisKeys.Key(key.Hash)), Entries(key), out _))
        {
            return false;
        }

        await WriteKeyAsync(key);
        return true;
    }

    /// <summary>Writes status and limits, creating the balance field at <paramref name="initialBalanceNanos"/> only if it is missing.</summary>
    public async Task WriteAccountAsync(string account, AccountRecord record, long initialBalanceNanos = 0)
    {
        var key = RedisKeys.Account(account);
        var batch = Db.CreateBatch();
        var set = batch.HashSetAsync(key, Entries(record));
        var balance = batch.HashSetAsync(key, AccountFields.BalanceNanos, initialBalanceNanos, When.NotExists);
        Task paid = record.Paid ? batch.HashSetAsync(key, AccountFields.Paid, 1) : Task.CompletedTask;
        batch.Execute();
        await Task.WhenAll(set, balance, paid);
        await PublishAsync(RedisKeys.AccountChanged(account));
    }

    /// <summary>
    /// Writes (and announces) the account record only when Redis holds something else, lacks the balance, or lacks the
    /// paid flag the database has; true when it did.
    /// </summary>
    public async Task<bool> SyncAccountAsync(string account, AccountRecord record, long initialBalanceNanos)
    {
        if (Matches(await Db.HashGetAllAsync(RedisKeys.Account(account)), Entries(record), out var current)
            && current.ContainsKey(AccountFields.BalanceNanos)
            && (!record.Paid || current.GetValueOrDefault(AccountFields.Paid) == "1"))
        {
            return false;
        }

        await WriteAccountAsync(account, record, initialBalanceNanos);
        return true;
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

    /// <summary>
    /// Credits a payment at most once: the marker is set (<c>NX</c>) in the same script that moves the balance, so a
    /// retried credit (the top-up's, then the resync's after a crash between credit and database mark) is a no-op.
    /// A missing balance is not created: the resync restores it from the database, which already counts the payment.
    /// </summary>
    /// <returns>True when the credit was applied now, false when the marker said it already was.</returns>
    public async Task<bool> CreditPaymentAsync(string account, long paymentId, long amountNanos)
    {
        var result = (long)await Db.ScriptEvaluateAsync(
            CreditScript,
            [RedisKeys.Account(account), RedisKeys.PaymentCredited(account, paymentId)],
            [amountNanos, (long)PaymentCreditedTtl.TotalSeconds, AccountFields.BalanceNanos, AccountFields.Paid]);
        if (result == 2)
        {
            // The paid flag changes how gateways fail when Redis is unreachable, so they must reload it.
            await PublishAsync(RedisKeys.AccountChanged(account));
        }

        return result > 0;
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

    /// <summary>The catalog document Redis holds, or null.</summary>
    public async Task<CatalogDocument?> ReadCatalogAsync()
    {
        var json = await Db.StringGetAsync(RedisKeys.Catalog);
        try
        {
            return json.IsNullOrEmpty ? null : JsonSerializer.Deserialize((string)json!, CoreJson.Default.CatalogDocument);
        }
        catch (JsonException)
        {
            // Unreadable for the gateways too: treated as missing, so it is rewritten.
            return null;
        }
    }

    private static HashEntry[] Entries(KeyRecord key) =>
    [
        new(KeyFields.Id, key.Id),
        new(KeyFields.Name, key.Name),
        new(KeyFields.Account, key.Account),
        new(KeyFields.Status, key.Status),
        new(KeyFields.ExpiresAt, key.ExpiresAt),
        new(KeyFields.Models, key.Models),
        new(KeyFields.Rpm, key.Rpm),
        new(KeyFields.Tpm, key.Tpm),
        new(KeyFields.MaxConcurrency, key.MaxConcurrency),
        new(KeyFields.DailyCapNanos, key.DailyCapNanos),
        new(KeyFields.MonthlyCapNanos, key.MonthlyCapNanos),
        new(KeyFields.EndUserDailyCapNanos, key.EndUserDailyCapNanos),
        new(KeyFields.EndUserMonthlyCapNanos, key.EndUserMonthlyCapNanos),
        new(KeyFields.EndUserRpm, key.EndUserRpm),
    ];

    private static HashEntry[] Entries(AccountRecord record) =>
    [
        new(AccountFields.Status, record.Status),
        new(AccountFields.Rpm, record.Rpm),
        new(AccountFields.Tpm, record.Tpm),
        new(AccountFields.DailyCapNanos, record.DailyCapNanos),
        new(AccountFields.MonthlyCapNanos, record.MonthlyCapNanos),
    ];

    /// <summary>True when every field of <paramref name="wanted"/> is in <paramref name="stored"/> with the same text.</summary>
    private static bool Matches(HashEntry[] stored, HashEntry[] wanted, out Dictionary<string, string?> current)
    {
        current = stored.ToDictionary(e => e.Name.ToString(), e => (string?)e.Value, StringComparer.Ordinal);
        foreach (var entry in wanted)
        {
            if (!current.TryGetValue(entry.Name.ToString(), out var value) || value != (string?)entry.Value)
            {
                return false;
            }
        }

        return true;
    }

    private Task PublishAsync(string message) => Db.PublishAsync(RedisChannel.Literal(RedisKeys.EventsChannel), message);
}
