namespace MassRouter.ControlApi.Catalog;

/// <summary>Creates a provider; <c>Credential</c> is write-only.</summary>
public sealed record CreateProviderRequest(string? Name, string? Kind, string? Flavor, string? BaseUrl, string? ApiVersion, string? Credential, bool? Enabled, ProviderSettings? Settings = null);
