namespace MassRouter.ControlApi.Auth;

/// <summary>What happened to a presented refresh token.</summary>
internal enum RotationResult
{
    Rotated,
    Unknown,
    Expired,
    Revoked,
    ReuseDetected,
}
