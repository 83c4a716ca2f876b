namespace MassRouter.ControlApi.Http;

/// <summary>
/// What the control API's problem details say when routing finds no endpoint: the same words whether the control API runs
/// on its own (<see cref="MalformedInput.FillDetail"/>) or beside the gateway, whose catch-all answers its misses.
/// </summary>
public static class RoutingMisses
{
    public static string NotFound(string method, string path) => $"The control API has no endpoint at {method} {path}.";

    public static string MethodNotAllowed(string method, string path, string allowed) =>
        $"Method {method} is not allowed on {path}; use {allowed}.";
}
