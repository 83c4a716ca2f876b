namespace MassRouter.ControlApi.Auth;

/// <summary>Platform roles carried in the access token.</summary>
internal static class Roles
{
    public const string Admin = "admin";
    public const string User = "user";

    /// <summary>Authorization policy requiring <see cref="Admin"/>.</summary>
    public const string AdminPolicy = "platform-admin";
}
