namespace MassRouter.ControlApi.Catalog;

/// <summary>Only the given fields change (within <c>Settings</c> too); an empty <c>Credential</c> removes it.</summary>
public sealed record UpdateProviderRequest(string? Kind, string? Flavor, string? BaseUrl, string? ApiVersion, string? Credential, bool? Enabled, ProviderSettings? Settings = null);
