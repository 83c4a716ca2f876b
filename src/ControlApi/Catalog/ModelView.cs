namespace MassRouter.ControlApi.Catalog;

/// <summary>A model with prices as decimal-USD-per-million strings, and its route.</summary>
public sealed record ModelView(
    long Id, string PublicId, string? DisplayName, long? ContextLength, string InputPerMillion, string OutputPerMillion, string? CachedInputPerMillion,
    bool Enabled, IReadOnlyList<RouteView> Routes);
