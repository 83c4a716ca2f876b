using System.Globalization;
using System.Text.Json;

namespace MassRouter.Gateway.Transforms.Translation;

/// <summary>
/// The client-facing message for a request body that is not valid JSON: what is wrong and where, in plain words, without
/// System.Text.Json's own position suffix (<c>LineNumber: 0 | BytePositionInLine: 9.</c>).
/// </summary>
public static class JsonSyntaxError
{
    private const string Prefix = "The request body is not valid JSON";

    /// <summary>The message for <paramref name="exception"/>, thrown while reading <paramref name="body"/>.</summary>
    public static string Describe(ReadOnlySpan<byte> body, JsonException exception)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty)
        {
            return Prefix + ": the body is empty.";
        }

        // The reader appends its position to the message, the serializer a path: the position is given once, below.
        var reason = exception.Message.AsSpan();
        var suffix = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (suffix < 0)
        {
            suffix = reason.IndexOf(" Path:", StringComparison.Ordinal);
        }

        reason = (suffix >= 0 ? reason[..suffix] : reason).Trim();
        var position = exception is { LineNumber: { } line, BytePositionInLine: { } column }
            ? string.Create(CultureInfo.InvariantCulture, $" at line {line + 1}, byte {column + 1}")
            : string.Empty;

        // Valid JSON, only deeper than the readers go (RequestJson.MaxDepth): said as such, not as a syntax error.
        if (reason.Contains("maximum configured depth", StringComparison.Ordinal))
        {
            return string.Create(
                CultureInfo.InvariantCulture,
                $"The request body is nested too deeply{position}: at most {RequestJson.MaxDepth} levels of objects and arrays are accepted.");
        }

        return reason.IsEmpty ? Prefix + position + "." : $"{Prefix}{position}: {reason}";
    }

    /// <summary>
    /// Reads the whole of <paramref name="body"/> as one JSON value (with <see cref="RequestJson"/>'s options, as every request
    /// reader); false when it is one, else true with the message saying what is wrong. For error paths: a valid body is read
    /// to its end.
    /// </summary>
    public static bool TryFind(ReadOnlySpan<byte> body, out string message)
    {
        var reader = new Utf8JsonReader(body, RequestJson.ReaderOptions);
        try
        {
            while (reader.Read())
            {
            }

            message = string.Empty;
            return false;
        }
        catch (JsonException ex)
        {
            message = Describe(body, ex);
            return true;
        }
    }
}
