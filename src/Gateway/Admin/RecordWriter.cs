using MassRouter.Core.Redis;
using MassRouter.Gateway.Auth;
using StackExchange.Redis;

namespace MassRouter.Gateway.Admin;

/// <summary>
/// Writes key and account records and announces them on <c>mr:events</c>, as the control plane will; used by the
/// seeding path and the tests until the control plane exists.
/// </summary>
internal static class RecordWriter
{
    /// <summary>Writes the key record; <paramref name="announce"/> publishes <c>key:&lt;hash&gt;</c> so every gateway reloads it.</summary>
    public static async Task WriteKeyAsync(IDatabaseAsync db, KeyHash hash, KeyRecord key, bool announce = true)
    {
        var hex = hash.ToHex();
        await db.HashSetAsync(RedisKeys.Key(hex),
        [
            new(KeyFields.Id, key.Id),
            new(KeyFields.Name, key.Name ?? ""),
            new(KeyFields.Account, key.Account),
            new(KeyFields.Status, key.Status),
            new(KeyFields.ExpiresAt, key.ExpiresAt),
            new(KeyFields.Models, string.Join(',', key.Models)),
            new(KeyFields.Rpm, key.Rpm),
            new(KeyFields.Tpm, key.Tpm),
            new(KeyFields.MaxConcurrency, key.MaxConcurrency),
            new(KeyFields.DailyCapNanos, key.DailyCapNanos),
            new(KeyFields.MonthlyCapNanos, key.MonthlyCapNanos),
            new(KeyFields.EndUserDailyCapNanos, key.EndUserDailyCapNanos),
            new(KeyFields.EndUserMonthlyCapNanos, key.EndUserMonthlyCapNanos),
            new(KeyFields.EndUserRpm, key.EndUserRpm),
        ]);
        if (announce)
        {
            await db.PublishAsync(RedisChannel.Literal(RedisKeys.EventsChannel), RedisKeys.KeyChanged(hex));
        }
    }

    /// <summary>Writes the account; <paramref name="initialBalanceNanos"/> is set only if the account has no balance yet.</summary>
    public static async Task WriteAccountAsync(IDatabaseAsync db, AccountRecord account, long? initialBalanceNanos = null, bool announce = true)
    {
        var key = RedisKeys.Account(account.Id);
        await db.HashSetAsync(key,
        [
            new(AccountFields.Status, account.Status),
            new(AccountFields.Rpm, account.Rpm),
            new(AccountFields.Tpm, account.Tpm),
            new(AccountFields.DailyCapNanos, account.DailyCapNanos),
            new(AccountFields.MonthlyCapNanos, account.MonthlyCapNanos),
            new(AccountFields.Paid, account.Paid ? 1 : 0),
        ]);
        if (initialBalanceNanos is { } balance)
        {
            await db.HashSetAsync(key, AccountFields.BalanceNanos, balance, When.NotExists);
        }

        if (announce)
        {
            await db.PublishAsync(RedisChannel.Literal(RedisKeys.EventsChannel), RedisKeys.AccountChanged(account.Id));
        }
    }

    /// <summary>Sets the working balance outright (top-ups in production are <c>HINCRBY</c>; this is for tests and seeding).</summary>
    public static Task SetBalanceAsync(IDatabaseAsync db, string account, long balanceNanos) =>
        db.HashSetAsync(RedisKeys.Account(account), AccountFields.BalanceNanos, balanceNanos);
}
