using System.Text.Encodings.Web;
using System.Text.Json;

namespace MassRouter.Gateway.Transforms.Translation;

/// <summary>Writer options shared by every translator.</summary>
internal static class JsonOutput
{
    /// <summary>
    /// Relaxed escaping: the output is JSON for API clients, never embedded in HTML, so non-ASCII text stays readable
    /// and as short as the provider sent it. No validation: translators write well-formed JSON by construction.
    /// </summary>
    public static JsonWriterOptions Options { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    /// <summary>Options for building request bodies, where validation catches translator bugs early.</summary>
    public static JsonWriterOptions ValidatedOptions { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The raw bytes of the current token of a reader over a single span (a string token keeps its quotes).</summary>
    public static ReadOnlySpan<byte> RawToken(ReadOnlySpan<byte> source, scoped ref readonly Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String
            ? source.Slice((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2)
            : reader.ValueSpan;

    /// <summary>The raw bytes of the current value (object, array or scalar) and skips past it.</summary>
    public static ReadOnlySpan<byte> RawValue(ReadOnlySpan<byte> source, scoped ref Utf8JsonReader reader)
    {
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            return source[start..(int)reader.BytesConsumed];
        }

        return RawToken(source, ref reader);
    }

    /// <summary>True when a raw string token is the empty string <c>""</c>.</summary>
    public static bool IsEmptyString(ReadOnlySpan<byte> rawToken) => rawToken.Length == 2;

    /// <summary>The element as compact JSON text (a tool call's arguments string).</summary>
    public static string Compact(JsonElement element)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            element.WriteTo(json);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
