namespace MassRouter.ControlApi.Teams;

public sealed record AddMemberRequest(string? Email, string? Role);
