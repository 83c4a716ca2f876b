namespace MassRouter.ControlApi.Keys;

/// <summary>Rotation: the old key keeps working for <c>GraceSeconds</c> (default from configuration).</summary>
public sealed record RotateKeyRequest(long? GraceSeconds);
