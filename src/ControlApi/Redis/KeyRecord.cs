namespace MassRouter.ControlApi.Redis;

/// <summary>The fields of <c>mr:key:&lt;hash&gt;</c> as the gateway reads them.</summary>
internal sealed record KeyRecord(
    string Hash,
    string Id,
    string Name,
    string Account,
    string Status,
    long ExpiresAt,
    string Models,
    long Rpm,
    long Tpm,
    long MaxConcurrency,
    long DailyCapNanos,
    long MonthlyCapNanos,
    long EndUserDailyCapNanos = 0,
    long EndUserMonthlyCapNanos = 0,
    long EndUserRpm = 0);
