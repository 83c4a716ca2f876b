namespace MassRouter.ControlApi.Auth;

public sealed record UpdateProfileRequest(string? DisplayName, string? CurrentPassword, string? NewPassword);
