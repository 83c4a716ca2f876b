namespace MassRouter.ControlApi.Catalog;

/// <summary>Creates or updates a model; prices are USD per million tokens.</summary>
public sealed record ModelRequest(
    string? PublicId, string? DisplayName, long? ContextLength, decimal? InputPerMillion, decimal? OutputPerMillion, decimal? CachedInputPerMillion, bool? Enabled);
