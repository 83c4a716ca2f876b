using System.Collections.Frozen;
using System.Globalization;
using MassRouter.Core.Redis;
using StackExchange.Redis;

namespace MassRouter.Gateway.Auth;

/// <summary>Turns a <c>mr:key:&lt;hash&gt;</c> hash (and its account's status) into an <see cref="ApiKeyInfo"/>.</summary>
internal static class KeyRecordParser
{
    /// <summary>The account fields a key record is parsed with, in the order <see cref="Parse"/> expects them.</summary>
    public static readonly RedisValue[] AccountFieldNames =
    [
        AccountFields.Status, AccountFields.Paid, AccountFields.Rpm, AccountFields.Tpm, AccountFields.DailyCapNanos, AccountFields.MonthlyCapNanos,
    ];

    /// <summary>The usable key, or null when the record is missing, not active, or its account is suspended.</summary>
    /// <param name="key">The key record.</param>
    /// <param name="account">The account's <see cref="AccountFieldNames"/> values.</param>
    public static ApiKeyInfo? Parse(HashEntry[] key, RedisValue[] account)
    {
        string? id = null, name = null, accountId = null, status = null, models = null;
        long expiresAt = 0, rpm = 0, tpm = 0, concurrency = 0, dailyCap = 0, monthlyCap = 0, endUserDailyCap = 0, endUserMonthlyCap = 0, endUserRpm = 0;
        foreach (var entry in key)
        {
            switch ((string?)entry.Name)
            {
                case KeyFields.Id: id = entry.Value; break;
                case KeyFields.Name: name = entry.Value; break;
                case KeyFields.Account: accountId = entry.Value; break;
                case KeyFields.Status: status = entry.Value; break;
                case KeyFields.Models: models = entry.Value; break;
                case KeyFields.ExpiresAt: expiresAt = Long(entry.Value); break;
                case KeyFields.Rpm: rpm = Long(entry.Value); break;
                case KeyFields.Tpm: tpm = Long(entry.Value); break;
                case KeyFields.MaxConcurrency: concurrency = Long(entry.Value); break;
                case KeyFields.DailyCapNanos: dailyCap = Long(entry.Value); break;
                case KeyFields.MonthlyCapNanos: monthlyCap = Long(entry.Value); break;
                case KeyFields.EndUserDailyCapNanos: endUserDailyCap = Long(entry.Value); break;
                case KeyFields.EndUserMonthlyCapNanos: endUserMonthlyCap = Long(entry.Value); break;
                case KeyFields.EndUserRpm: endUserRpm = Long(entry.Value); break;
            }
        }

        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(accountId) || status != RecordStatus.Active
            || (string?)account[0] == RecordStatus.Suspended)
        {
            return null;
        }

        var allowed = string.IsNullOrWhiteSpace(models)
            ? null
            : models.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToFrozenSet(StringComparer.Ordinal);
        return new ApiKeyInfo(id, string.IsNullOrEmpty(name) ? null : name, allowed)
        {
            Account = accountId,
            ExpiresAt = expiresAt,
            Rpm = rpm,
            Tpm = tpm,
            MaxConcurrency = (int)Math.Clamp(concurrency, 0, int.MaxValue),
            DailyCapNanos = dailyCap,
            MonthlyCapNanos = monthlyCap,
            EndUserDailyCapNanos = endUserDailyCap,
            EndUserMonthlyCapNanos = endUserMonthlyCap,
            EndUserRpm = endUserRpm,
            AccountPaid = (string?)account[1] == "1",
            AccountRpm = Long(account[2]),
            AccountTpm = Long(account[3]),
            AccountDailyCapNanos = Long(account[4]),
            AccountMonthlyCapNanos = Long(account[5]),
        };
    }

    /// <summary>The account id of a raw key record, or null.</summary>
    public static string? AccountOf(HashEntry[] key)
    {
        foreach (var entry in key)
        {
            if (entry.Name == KeyFields.Account)
            {
                return entry.Value;
            }
        }

        return null;
    }

    /// <summary>A numeric field: 0 when missing or not a number, as the layout reads it.</summary>
    public static long Long(RedisValue value) =>
        long.TryParse((string?)value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result) ? result : 0;
}
