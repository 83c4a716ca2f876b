namespace MassRouter.ControlApi.Teams;

/// <summary>Member roles within a team.</summary>
internal static class TeamRoles
{
    public const string Owner = "owner";
    public const string Admin = "admin";
    public const string Member = "member";

    public static bool IsValid(string? role) => role is Owner or Admin or Member;
}
