namespace MassRouter.Core.Redis;

/// <summary>Field names of a key record hash (<c>mr:key:&lt;hash&gt;</c>).</summary>
public static class KeyFields
{
    public const string Id = "id";
    public const string Name = "name";
    public const string Account = "account";
    public const string Status = "status";
    public const string ExpiresAt = "expires_at";
    public const string Models = "models";
    public const string Rpm = "rpm";
    public const string Tpm = "tpm";
    public const string MaxConcurrency = "max_concurrency";
    public const string DailyCapNanos = "daily_cap_nanos";
    public const string MonthlyCapNanos = "monthly_cap_nanos";

    /// <summary>The most each end user (a request's <c>user</c>) may spend through the key's account per UTC day.</summary>
    public const string EndUserDailyCapNanos = "end_user_daily_cap_nanos";

    /// <summary>The most each end user may spend through the key's account per calendar month.</summary>
    public const string EndUserMonthlyCapNanos = "end_user_monthly_cap_nanos";

    /// <summary>Requests per minute each end user may make through the key (0 = unlimited).</summary>
    public const string EndUserRpm = "end_user_rpm";
}

/// <summary>Field names of an account record hash (<c>mr:{a:ID}:account</c>).</summary>
public static class AccountFields
{
    public const string Status = "status";
    public const string BalanceNanos = "balance_nanos";
    public const string Rpm = "rpm";
    public const string Tpm = "tpm";
    public const string DailyCapNanos = "daily_cap_nanos";
    public const string MonthlyCapNanos = "monthly_cap_nanos";
    public const string Paid = "paid";
}

/// <summary>Values of the <c>status</c> field of keys and accounts.</summary>
public static class RecordStatus
{
    public const string Active = "active";
    public const string Revoked = "revoked";
    public const string Suspended = "suspended";
}
