namespace MassRouter.ControlApi.Teams;

/// <summary>A team; <c>Account</c> is the id its keys and usage are billed to, <c>MyRole</c> the caller's role.</summary>
public sealed record TeamView(long Id, string Account, string Name, long Rpm, long Tpm, long DailyCapNanos, long MonthlyCapNanos, long CreatedAt, string? MyRole);

public sealed record CreateTeamRequest(string? Name);

/// <summary>Only the given fields change; limits and caps are 0 for unlimited.</summary>
public sealed record UpdateTeamRequest(string? Name, long? Rpm, long? Tpm, long? DailyCapNanos, long? MonthlyCapNanos);

public sealed record TeamMemberView(long UserId, string Email, string DisplayName, string Role, long CreatedAt);

public sealed record AddMemberRequest(string? Email, string? Role);

public sealed record ChangeRoleRequest(string? Role);
