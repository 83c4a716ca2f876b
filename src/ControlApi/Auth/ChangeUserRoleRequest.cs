namespace MassRouter.ControlApi.Auth;

/// <summary>Sets a user's platform role: <c>admin</c> or <c>user</c>.</summary>
public sealed record ChangeUserRoleRequest(string? Role);
