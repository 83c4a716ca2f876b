namespace MassRouter.ControlApi.Auth;

public sealed record RefreshRequest(string? RefreshToken);
