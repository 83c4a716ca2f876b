using System.Buffers.Text;
using System.Text.Json;

namespace MassRouter.Gateway.Transforms.Translation;

/// <summary>
/// Allocation-free lookups in small JSON objects (one provider event): finds a top-level property and returns its
/// raw value bytes, whatever the key order. Strings come back as raw tokens with their quotes and escapes.
/// Malformed JSON throws <see cref="JsonException"/>, which stream translators turn into an error event.
/// </summary>
internal static class JsonProbe
{
    public static bool TryGet(ReadOnlySpan<byte> json, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> raw)
    {
        raw = default;
        if (json.IsEmpty)
        {
            return false;
        }

        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(name);
            if (!reader.Read())
            {
                throw new JsonException("Truncated JSON object.");
            }

            if (match)
            {
                raw = JsonOutput.RawValue(json, ref reader);
                return true;
            }

            if (!reader.TrySkip())
            {
                throw new JsonException("Truncated JSON object.");
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw new JsonException("Malformed JSON object.");
        }

        return false;
    }

    /// <summary>Walks <paramref name="path"/> through nested objects.</summary>
    public static bool TryGet(ReadOnlySpan<byte> json, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, out ReadOnlySpan<byte> raw)
    {
        raw = default;
        return TryGet(json, first, out var outer) && TryGet(outer, second, out raw);
    }

    /// <summary>True when the raw value is the JSON string with this exact (unescaped ASCII) text.</summary>
    public static bool IsString(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> text) =>
        raw.Length == text.Length + 2 && raw[0] == (byte)'"' && raw[1..^1].SequenceEqual(text);

    /// <summary>True for a raw string token (with quotes).</summary>
    public static bool IsStringToken(ReadOnlySpan<byte> raw) => raw.Length >= 2 && raw[0] == (byte)'"';

    /// <summary>The integer value of a raw number, or <paramref name="fallback"/>.</summary>
    public static long Number(ReadOnlySpan<byte> raw, long fallback = 0) =>
        Utf8Parser.TryParse(raw, out long value, out var consumed) && consumed == raw.Length ? value : fallback;

    /// <summary>An integer property, or <paramref name="fallback"/> when absent or not an integer.</summary>
    public static long Number(ReadOnlySpan<byte> json, ReadOnlySpan<byte> name, long fallback) =>
        TryGet(json, name, out var raw) ? Number(raw, fallback) : fallback;

    /// <summary>
    /// The unescaped UTF-8 of a raw string token. Without escapes this is a slice; with escapes it is decoded into
    /// <paramref name="scratch"/>, which is grown (allocating) only in that rare case.
    /// </summary>
    public static ReadOnlySpan<byte> Unescape(ReadOnlySpan<byte> raw, ref byte[]? scratch)
    {
        if (!IsStringToken(raw))
        {
            return default;
        }

        var inner = raw[1..^1];
        if (inner.IndexOf((byte)'\\') < 0)
        {
            return inner;
        }

        var reader = new Utf8JsonReader(raw);
        reader.Read();
        if (scratch is null || scratch.Length < inner.Length)
        {
            scratch = new byte[Math.Max(inner.Length, 64)];
        }

        var written = reader.CopyString(scratch);
        return scratch.AsSpan(0, written);
    }

    /// <summary>
    /// The next element of a raw JSON array. Start with <paramref name="position"/> = 0; returns false at the end.
    /// </summary>
    public static bool TryNextItem(ReadOnlySpan<byte> array, scoped ref int position, out ReadOnlySpan<byte> item)
    {
        item = default;
        if (position == 0)
        {
            var open = array.IndexOf((byte)'[');
            if (open < 0)
            {
                return false;
            }

            position = open + 1;
        }

        var rest = array[position..];
        var skip = 0;
        while (skip < rest.Length && (rest[skip] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)','))
        {
            skip++;
        }

        if (skip >= rest.Length || rest[skip] == (byte)']')
        {
            return false;
        }

        var reader = new Utf8JsonReader(rest[skip..]);
        if (!reader.Read())
        {
            throw new JsonException("Truncated JSON array.");
        }

        var start = (int)reader.TokenStartIndex;
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
        }

        var end = (int)reader.BytesConsumed;
        item = rest.Slice(skip + start, end - start);
        position += skip + end;
        return true;
    }

    /// <summary>The first element of a raw JSON array.</summary>
    public static bool TryFirstItem(ReadOnlySpan<byte> array, out ReadOnlySpan<byte> item)
    {
        var position = 0;
        return TryNextItem(array, ref position, out item);
    }
}
