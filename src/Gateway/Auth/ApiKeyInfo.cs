namespace MassRouter.Gateway.Auth;

/// <summary>What the gateway knows of an authenticated API key.</summary>
/// <param name="KeyId">A stable, non-secret id (a hash prefix).</param>
/// <param name="Name">Display name.</param>
/// <param name="AllowedModels">Public model ids this key may use; null means all.</param>
public sealed record ApiKeyInfo(string KeyId, string? Name, IReadOnlySet<string>? AllowedModels)
{
    /// <summary>True when the key may use <paramref name="model"/>.</summary>
    public bool MayUse(string model) => AllowedModels is null || AllowedModels.Contains(model);
}
