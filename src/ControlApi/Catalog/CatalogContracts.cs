namespace MassRouter.ControlApi.Catalog;

/// <summary>A provider as the API shows it: whether a credential is set, never the credential.</summary>
public sealed record ProviderView(long Id, string Name, string Kind, string? Flavor, string BaseUrl, string? ApiVersion, bool HasCredential, bool Enabled, long CreatedAt, long UpdatedAt);

/// <summary>Creates a provider; <c>Credential</c> is write-only.</summary>
public sealed record CreateProviderRequest(string? Name, string? Kind, string? Flavor, string? BaseUrl, string? ApiVersion, string? Credential, bool? Enabled);

/// <summary>Only the given fields change; an empty <c>Credential</c> removes it.</summary>
public sealed record UpdateProviderRequest(string? Kind, string? Flavor, string? BaseUrl, string? ApiVersion, string? Credential, bool? Enabled);

/// <summary>A model with prices as decimal-USD-per-million strings, and its route.</summary>
public sealed record ModelView(
    long Id, string PublicId, string? DisplayName, long? ContextLength, string InputPerMillion, string OutputPerMillion, string? CachedInputPerMillion,
    bool Enabled, IReadOnlyList<RouteView> Routes);

/// <summary>One deployment of a model, in route order.</summary>
public sealed record RouteView(string Provider, string Model, int Weight);

/// <summary>Creates or updates a model; prices are USD per million tokens.</summary>
public sealed record ModelRequest(
    string? PublicId, string? DisplayName, long? ContextLength, decimal? InputPerMillion, decimal? OutputPerMillion, decimal? CachedInputPerMillion, bool? Enabled);

/// <summary>The public marketplace entry of a model: no routing details.</summary>
public sealed record PublicModelView(string Id, string? DisplayName, long? ContextLength, string InputPerMillion, string OutputPerMillion, string? CachedInputPerMillion);
