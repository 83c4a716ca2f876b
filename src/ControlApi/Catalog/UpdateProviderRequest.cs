namespace MassRouter.ControlApi.Catalog;

/// <summary>Only the given fields change; an empty <c>Credential</c> removes it.</summary>
public sealed record UpdateProviderRequest(string? Kind, string? Flavor, string? BaseUrl, string? ApiVersion, string? Credential, bool? Enabled);
