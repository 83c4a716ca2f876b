namespace MassRouter.Core.Security;

/// <summary>The settings that name which web origins may call an API from a browser (the gateway's and the control API's).</summary>
public static class BrowserOrigins
{
    /// <summary>True when <paramref name="origin"/> is <c>*</c>, an origin, or an origin with <c>*.</c> before its host.</summary>
    public static bool IsValidSetting(string origin)
    {
        if (origin == "*")
        {
            return true;
        }

        var schemeEnd = origin.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            return false;
        }

        var authority = origin.AsSpan(schemeEnd + 3);
        if (authority.StartsWith("*."))
        {
            authority = authority[2..];
        }

        // An origin is scheme://host[:port]: no path (not even a trailing slash), query, fragment, user or wildcard elsewhere.
        return authority.Length > 0
            && authority.IndexOfAny("/?#@*") < 0
            && Uri.TryCreate(string.Concat(origin.AsSpan(0, schemeEnd + 3), authority), UriKind.Absolute, out var uri)
            && uri.AbsolutePath == "/";
    }

    /// <summary>What a refused setting is told (<paramref name="setting"/> names the configuration key).</summary>
    public static string Invalid(string setting, string origin) =>
        $"{setting} '{origin}' must be *, an origin (scheme://host[:port], no path or trailing slash) or one with *. before its host (https://*.example.com).";
}
