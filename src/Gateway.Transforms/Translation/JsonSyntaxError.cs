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
        return reason.IsEmpty ? Prefix + position + "." : $"{Prefix}{position}: {reason}";
    }

    /// <summary>
    /// Reads the whole of <paramref name="body"/> as one JSON value (with the reader's default options); false when it is
    /// one, else true with the message saying what is wrong. For error paths: a valid body is read to its end.
    /// </summary>
    public static bool TryFind(ReadOnlySpan<byte> body, out string message)
    {
        var reader = new Utf8JsonReader(body);
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
