namespace MassRouter.Gateway.Forwarding;

/// <summary>The <c>x-request-id</c> of a request: the client's when it sent a sane one, else a new one.</summary>
internal static class RequestId
{
    public const string HeaderName = "x-request-id";

    /// <summary>Resolves the request's id and sets it on the response.</summary>
    public static string Stamp(HttpContext context)
    {
        var id = Resolve(context);
        context.Response.Headers[HeaderName] = id;
        return id;
    }

    public static string Resolve(HttpContext context)
    {
        var incoming = context.Request.Headers[HeaderName];
        if (incoming.Count == 1 && incoming[0] is { Length: > 0 and <= 128 } value && IsSafe(value))
        {
            return value;
        }

        return "req_" + Telemetry.UniqueId.NewHex();
    }

    private static bool IsSafe(string value)
    {
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
            {
                return false;
            }
        }

        return true;
    }
}
