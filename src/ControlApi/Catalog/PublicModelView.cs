namespace MassRouter.ControlApi.Catalog;

/// <summary>The public marketplace entry of a model: no routing details.</summary>
public sealed record PublicModelView(string Id, string? DisplayName, long? ContextLength, string InputPerMillion, string OutputPerMillion, string? CachedInputPerMillion);
