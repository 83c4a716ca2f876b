namespace MassRouter.ControlApi.Http;

/// <summary>The caller's address as the audit log and the login throttle see it.</summary>
internal static class ClientAddress
{
    public static string Of(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
