using MassRouter.Core.Redis;
using MassRouter.Gateway.Auth;
using StackExchange.Redis;

namespace MassRouter.Gateway.Limits;

/// <summary>
/// The Redis key names one API key's admission and settlement touch, built once per cached key (and once per UTC day
/// for the spend hashes) instead of on every request.
/// </summary>
internal sealed class AccountKeyNames
{
    private readonly string _account;
    private DayKeys _day = new(-1, default, default, []);

    public AccountKeyNames(ApiKeyInfo key)
    {
        _account = key.Account!;
        KeyId = key.KeyId;
        Account = RedisKeys.Account(_account);
        KeyRpm = RedisKeys.RateLimit(_account, key.KeyId, "rpm");
        KeyTpm = RedisKeys.RateLimit(_account, key.KeyId, "tpm");
        AccountRpm = RedisKeys.RateLimit(_account, null, "rpm");
        AccountTpm = RedisKeys.RateLimit(_account, null, "tpm");
        SpendField = "k:" + key.KeyId;
        Inflight = RedisKeys.Inflight(_account);
        Outbox = RedisKeys.Outbox(_account);
        SettledPrefix = RedisKeys.Settled(_account, "");
    }

    /// <summary>The account the names are of.</summary>
    public string AccountId => _account;

    /// <summary>The API key the names are of.</summary>
    public string KeyId { get; }

    /// <summary>The account's settled markers' names without the event id (<see cref="RedisKeys.Settled"/> of an empty id).</summary>
    public string SettledPrefix { get; }

    /// <summary>The account's usage outbox.</summary>
    public RedisKey Outbox { get; }

    /// <summary>The account's hash of admitted, unsettled requests.</summary>
    public RedisKey Inflight { get; }

    public RedisKey Account { get; }

    public RedisKey KeyRpm { get; }

    public RedisKey KeyTpm { get; }

    public RedisKey AccountRpm { get; }

    public RedisKey AccountTpm { get; }

    /// <summary>The key's field in the spend hashes (<c>k:&lt;key id&gt;</c>).</summary>
    public RedisValue SpendField { get; }

    /// <summary>The daily and monthly spend hashes for the UTC day of <paramref name="now"/>.</summary>
    public (RedisKey Daily, RedisKey Monthly) Spend(DateTimeOffset now)
    {
        var cached = For(now);
        return (cached.Daily, cached.Monthly);
    }

    /// <summary>
    /// The admission script's keys for the UTC day of <paramref name="now"/>, in its order (see
    /// <see cref="AdmissionScript"/>): one array per key and day, shared by every request, so never written to.
    /// </summary>
    public RedisKey[] AdmissionKeys(DateTimeOffset now) => For(now).Admission;

    private DayKeys For(DateTimeOffset now)
    {
        var day = now.UtcDateTime.Date.Ticks / TimeSpan.TicksPerDay;
        var cached = _day;
        if (cached.Day != day)
        {
            var daily = RedisKeys.DailySpend(_account, now);
            var monthly = RedisKeys.MonthlySpend(_account, now);
            cached = new DayKeys(day, daily, monthly, [Account, KeyRpm, KeyTpm, AccountRpm, AccountTpm, daily, monthly, Inflight]);
            _day = cached;
        }

        return cached;
    }

    private sealed record DayKeys(long Day, RedisKey Daily, RedisKey Monthly, RedisKey[] Admission);
}
