namespace MassRouter.ControlApi.Keys;

/// <summary>A key as the API shows it. Limits and caps are 0 for unlimited; <c>ExpiresAt</c> is Unix ms, 0 = never.</summary>
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
    long UpdatedAt);

/// <summary>A key just created: <c>Secret</c> is shown this once and never again.</summary>
public sealed record CreatedKey(KeyView Key, string Secret);

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
    long? ExpiresAt);

/// <summary>Only the given fields change.</summary>
public sealed record UpdateKeyRequest(
    string? Name,
    IReadOnlyList<string>? Models,
    long? Rpm,
    long? Tpm,
    long? MaxConcurrency,
    long? DailyCapNanos,
    long? MonthlyCapNanos,
    long? ExpiresAt);

/// <summary>Rotation: the old key keeps working for <c>GraceSeconds</c> (default from configuration).</summary>
public sealed record RotateKeyRequest(long? GraceSeconds);
