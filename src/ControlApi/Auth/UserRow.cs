namespace MassRouter.ControlApi.Auth;

/// <summary>A row of <c>users</c>.</summary>
internal sealed class UserRow
{
    public long Id { get; set; }

    public string Email { get; set; } = "";

    public string PasswordHash { get; set; } = "";

    public string DisplayName { get; set; } = "";

    public string Role { get; set; } = Roles.User;

    public string Status { get; set; } = "";

    public long CreatedAt { get; set; }

    public long UpdatedAt { get; set; }

    public UserView ToView() => new(Id, Email, DisplayName, Role, Status, CreatedAt);
}
