namespace MassRouter.ControlApi.Keys;

/// <summary>Only the given fields change.</summary>
public sealed record UpdateKeyRequest(
    string? Name,
    IReadOnlyList<string>? Models,
    long? Rpm,
    long? Tpm,
    long? MaxConcurrency,
    long? DailyCapNanos,
    long? MonthlyCapNanos,
    long? ExpiresAt,
    long? EndUserDailyCapNanos = null,
    long? EndUserMonthlyCapNanos = null,
    long? EndUserRpm = null);
