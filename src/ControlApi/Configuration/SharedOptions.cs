namespace MassRouter.ControlApi.Configuration;

/// <summary>Settings both planes share, bound from the <c>MassRouter</c> section (docs/redis-layout.md).</summary>
public sealed class SharedOptions
{
    public const string SectionName = "MassRouter";

    /// <summary>Base64 of 32 bytes: the AES-256-GCM key provider credentials are sealed under in <c>mr:catalog</c>.</summary>
    public string CredentialKey { get; set; } = "";
}
