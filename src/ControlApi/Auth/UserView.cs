namespace MassRouter.ControlApi.Auth;

/// <summary>A user as the API shows it (never the password hash).</summary>
public sealed record UserView(long Id, string Email, string DisplayName, string Role, string Status, long CreatedAt);
