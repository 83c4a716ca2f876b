using System.Globalization;
using MassRouter.ControlApi.Redis;

namespace MassRouter.ControlApi.Keys;

/// <summary>A row of <c>api_keys</c>: the secret itself is never stored, only its SHA-256 and a display prefix.</summary>
internal sealed class KeyRow
{
    public long Id { get; set; }

    public string Account { get; set; } = "";

    public long CreatedBy { get; set; }

    public string Name { get; set; } = "";

    public string Prefix { get; set; } = "";

    public string KeyHash { get; set; } = "";

    public string Status { get; set; } = "";

    public string Models { get; set; } = "";

    public long Rpm { get; set; }

    public long Tpm { get; set; }

    public long MaxConcurrency { get; set; }

    public long DailyCapNanos { get; set; }

    public long MonthlyCapNanos { get; set; }

    public long EndUserDailyCapNanos { get; set; }

    public long EndUserMonthlyCapNanos { get; set; }

    public long EndUserRpm { get; set; }

    public long ExpiresAt { get; set; }

    public long? RotatedTo { get; set; }

    public long CreatedAt { get; set; }

    public long UpdatedAt { get; set; }

    public string KeyId => Id.ToString(CultureInfo.InvariantCulture);

    public KeyRecord ToRecord() => new(KeyHash, KeyId, Name, Account, Status, ExpiresAt, Models, Rpm, Tpm, MaxConcurrency, DailyCapNanos, MonthlyCapNanos, EndUserDailyCapNanos, EndUserMonthlyCapNanos, EndUserRpm);

    public KeyView ToView() => new(
        Id, Account, Name, Prefix, Status, Models.Length == 0 ? [] : Models.Split(','), Rpm, Tpm, MaxConcurrency, DailyCapNanos, MonthlyCapNanos, ExpiresAt, RotatedTo, CreatedAt, UpdatedAt,
        EndUserDailyCapNanos, EndUserMonthlyCapNanos, EndUserRpm);
}
