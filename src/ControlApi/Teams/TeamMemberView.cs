namespace MassRouter.ControlApi.Teams;

public sealed record TeamMemberView(long UserId, string Email, string DisplayName, string Role, long CreatedAt);
