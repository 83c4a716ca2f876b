namespace MassRouter.ControlApi.Teams;

public sealed record CreateTeamRequest(string? Name);
