namespace MassRouter.ControlApi.Catalog;

/// <summary>A model with prices as decimal-USD-per-million strings, its routing settings (null: the gateway's default) and its route.</summary>
public sealed record ModelView(
    long Id, string PublicId, string? DisplayName, long? ContextLength, string InputPerMillion, string OutputPerMillion, string? CachedInputPerMillion,
    bool Enabled, IReadOnlyList<RouteView> Routes, long? FirstTokenTimeoutMs = null, long? TotalTimeoutMs = null, string? LoadBalancing = null);
