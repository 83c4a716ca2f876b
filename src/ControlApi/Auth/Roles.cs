namespace MassRouter.ControlApi.Auth;

/// <summary>Platform roles carried in the access token.</summary>
internal static class Roles
{
    public const string Admin = "admin";
    public const string User = "user";

    /// <summary>The control API's bearer authentication scheme (deliberately not the host's default).</summary>
    public const string Scheme = "MassRouter.ControlApi";

    /// <summary>Authorization policy: any signed-in, active user.</summary>
    public const string UserPolicy = "control-user";

    /// <summary>Authorization policy requiring <see cref="Admin"/>.</summary>
    public const string AdminPolicy = "platform-admin";
}
