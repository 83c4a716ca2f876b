namespace MassRouter.ControlApi.Catalog;

/// <summary>
/// Creates or updates a model; prices are USD per million tokens. The routing settings are the gateway's
/// <c>MassRouter:Models:N:FirstTokenTimeout</c>, <c>TotalTimeout</c> and <c>LoadBalancing</c> (null: its default).
/// </summary>
public sealed record ModelRequest(
    string? PublicId, string? DisplayName, long? ContextLength, decimal? InputPerMillion, decimal? OutputPerMillion, decimal? CachedInputPerMillion, bool? Enabled,
    long? FirstTokenTimeoutMs = null, long? TotalTimeoutMs = null, string? LoadBalancing = null);
