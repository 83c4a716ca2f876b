namespace MassRouter.ControlApi.Auth;

/// <summary>The result of a rotation and whose token it was.</summary>
internal readonly record struct RotationOutcome(RotationResult Result, long UserId);
