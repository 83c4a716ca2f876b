namespace MassRouter.ControlApi.Teams;

public sealed record ChangeRoleRequest(string? Role);
