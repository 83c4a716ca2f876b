namespace MassRouter.Gateway.Admin;

/// <summary>A seeded API key: the secret or its SHA-256 hex; money in decimal USD.</summary>
public sealed class SeedKeyOptions
{
    public string? Key { get; set; }

    public string? KeyHash { get; set; }

    /// <summary>Key id; derived from the hash when absent.</summary>
    public string? Id { get; set; }

    public string Account { get; set; } = "";

    /// <summary>Display name, shown on <c>GET /v1/key</c>.</summary>
    public string? Name { get; set; }

    public string Status { get; set; } = "active";

    public DateTimeOffset? ExpiresAt { get; set; }

    public List<string> Models { get; set; } = [];

    public long Rpm { get; set; }

    public long Tpm { get; set; }

    public int MaxConcurrency { get; set; }

    public decimal DailyCap { get; set; }

    public decimal MonthlyCap { get; set; }

    /// <summary>The most each end user (a request's <c>user</c>) may spend per UTC day; 0 = no cap.</summary>
    public decimal EndUserDailyCap { get; set; }

    /// <summary>The most each end user may spend per calendar month; 0 = no cap.</summary>
    public decimal EndUserMonthlyCap { get; set; }

    /// <summary>Requests per minute each end user may make through the key; 0 = unlimited.</summary>
    public long EndUserRpm { get; set; }
}
