namespace MassRouter.ControlApi.Keys;

/// <summary>
/// A key as the API shows it. Limits and caps are 0 for unlimited; <c>ExpiresAt</c> is Unix ms, 0 = never. The end-user
/// caps hold each end user a request names (its <c>user</c>) to that much spend in the account per UTC day or month, and
/// <c>EndUserRpm</c> to that many requests per minute through the key.
/// </summary>
public sealed record KeyView(
    long Id,
    string Account,
    string Name,
    string Prefix,
    string Status,
    IReadOnlyList<string> Models,
    long Rpm,
    long Tpm,
    long MaxConcurrency,
    long DailyCapNanos,
    long MonthlyCapNanos,
    long ExpiresAt,
    long? RotatedTo,
    long CreatedAt,
    long UpdatedAt,
    long EndUserDailyCapNanos,
    long EndUserMonthlyCapNanos,
    long EndUserRpm);
