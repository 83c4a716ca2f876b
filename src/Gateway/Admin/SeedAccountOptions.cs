namespace MassRouter.Gateway.Admin;

/// <summary>A seeded account; money in decimal USD.</summary>
public sealed class SeedAccountOptions
{
    /// <summary>Account id: <c>u_&lt;n&gt;</c> for a user, <c>t_&lt;n&gt;</c> for a team.</summary>
    public string Id { get; set; } = "";

    public string Status { get; set; } = "active";

    /// <summary>Initial balance, set only when the account has none yet.</summary>
    public decimal Balance { get; set; }

    public long Rpm { get; set; }

    public long Tpm { get; set; }

    public decimal DailyCap { get; set; }

    public decimal MonthlyCap { get; set; }

    public bool Paid { get; set; }
}
