namespace MassRouter.ControlApi.Auth;

public sealed record LoginRequest(string? Email, string? Password);
