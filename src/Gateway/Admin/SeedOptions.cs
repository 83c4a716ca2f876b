namespace MassRouter.Gateway.Admin;

/// <summary>
/// Development and test records written to Redis at start-up (<c>MassRouter:Seed</c>), until the control plane
/// writes them. Key records and account settings are overwritten on every start; a balance only when none exists.
/// </summary>
public sealed class SeedOptions
{
    public const string SectionName = "MassRouter:Seed";

    public List<SeedAccountOptions> Accounts { get; set; } = [];

    public List<SeedKeyOptions> Keys { get; set; } = [];
}
