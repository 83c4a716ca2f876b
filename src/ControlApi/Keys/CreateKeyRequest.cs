namespace MassRouter.ControlApi.Keys;

/// <summary>Creates a key for the caller, or for a team when <c>TeamId</c> is set (team admin or owner).</summary>
public sealed record CreateKeyRequest(
    string? Name,
    long? TeamId,
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
