using System.Collections.Frozen;
using System.Globalization;
using MassRouter.Core.Redis;
using StackExchange.Redis;

namespace MassRouter.Gateway.Auth;

/// <summary>Turns a <c>mr:key:&lt;hash&gt;</c> hash (and its account's status) into an <see cref="ApiKeyInfo"/>.</summary>
internal static class KeyRecordParser
{
    /// <summary>The usable key, or null when the record is missing, not active, or its account is suspended.</summary>
    public static ApiKeyInfo? Parse(HashEntry[] key, RedisValue accountStatus, RedisValue accountPaid)
    {
        string? id = null, account = null, status = null, models = null;
        long expiresAt = 0, rpm = 0, tpm = 0, concurrency = 0, dailyCap = 0, monthlyCap = 0;
        foreach (var entry in key)
        {
            switch ((string?)entry.Name)
            {
                case KeyFields.Id: id = entry.Value; break;
                case KeyFields.Account: account = entry.Value; break;
                case KeyFields.Status: status = entry.Value; break;
                case KeyFields.Models: models = entry.Value; break;
                case KeyFields.ExpiresAt: expiresAt = Long(entry.Value); break;
                case KeyFields.Rpm: rpm = Long(entry.Value); break;
                case KeyFields.Tpm: tpm = Long(entry.Value); break;
                case KeyFields.MaxConcurrency: concurrency = Long(entry.Value); break;
                case KeyFields.DailyCapNanos: dailyCap = Long(entry.Value); break;
                case KeyFields.MonthlyCapNanos: monthlyCap = Long(entry.Value); break;
            }
        }

        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(account) || status != RecordStatus.Active
            || (string?)accountStatus == RecordStatus.Suspended)
        {
            return null;
        }

        var allowed = string.IsNullOrWhiteSpace(models)
            ? null
            : models.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToFrozenSet(StringComparer.Ordinal);
        return new ApiKeyInfo(id, null, allowed)
        {
            Account = account,
            ExpiresAt = expiresAt,
            Rpm = rpm,
            Tpm = tpm,
            MaxConcurrency = (int)Math.Clamp(concurrency, 0, int.MaxValue),
            DailyCapNanos = dailyCap,
            MonthlyCapNanos = monthlyCap,
            AccountPaid = (string?)accountPaid == "1",
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

    private static long Long(RedisValue value) =>
        long.TryParse((string?)value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result) ? result : 0;
}
