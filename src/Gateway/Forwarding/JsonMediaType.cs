namespace MassRouter.Gateway.Forwarding;

/// <summary>The request content types the JSON routes accept: <c>application/json</c> and <c>application/*+json</c>.</summary>
internal static class JsonMediaType
{
    public static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            // No Content-Type at all: the body is parsed as JSON and rejected if it is not.
            return true;
        }

        var media = contentType.AsSpan();
        var semicolon = media.IndexOf(';');
        if (semicolon >= 0)
        {
            media = media[..semicolon];
        }

        media = media.Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.EndsWith("+json", StringComparison.OrdinalIgnoreCase) && media.StartsWith("application/", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The 415 message for a body sent as <paramref name="contentType"/>.</summary>
    public static string Unsupported(string? contentType) =>
        $"Unsupported Content-Type '{contentType}': send the request body as application/json.";
}
