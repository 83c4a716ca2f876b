namespace MassRouter.ControlApi.Catalog;

/// <summary>A provider as the API shows it: whether a credential is set, never the credential.</summary>
public sealed record ProviderView(
    long Id, string Name, string Kind, string? Flavor, string BaseUrl, string? ApiVersion, bool HasCredential, bool Enabled, long CreatedAt, long UpdatedAt, ProviderSettings Settings);
