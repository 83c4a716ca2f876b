using System.Text.Encodings.Web;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Buffers;

namespace MassRouter.Gateway.Transforms.Ingress.Responses;

/// <summary>
/// The request settings OpenAI repeats in every Response object (<c>instructions</c>, <c>temperature</c>, <c>tools</c>, ...),
/// each as the client sent it or OpenAI's default, written once per request so the response translators splice bytes
/// instead of reading the request again.
/// </summary>
internal static class ResponsesEcho
{
    private static readonly JsonWriterOptions _writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The echo of a validated request: a JSON fragment of comma-separated properties, without braces or a leading or
    /// trailing comma, in OpenAI's order.
    /// </summary>
    public static byte[] Write(JsonElement root)
    {
        using var buffer = new PooledBufferWriter(1024);
        using (var writer = new Utf8JsonWriter(buffer, _writerOptions))
        {
            writer.WriteStartObject();
            Echo(writer, root, "instructions"u8, "null"u8);
            Echo(writer, root, "max_output_tokens"u8, "null"u8);
            Echo(writer, root, "metadata"u8, "{}"u8);
            Echo(writer, root, "parallel_tool_calls"u8, "true"u8);
            writer.WriteNull("previous_response_id"u8);

            var reasoning = TryGetSent(root, "reasoning"u8, out var r) ? r : default;
            writer.WriteStartObject("reasoning"u8);
            Echo(writer, reasoning, "effort"u8, "null"u8);
            Echo(writer, reasoning, "summary"u8, "null"u8);
            writer.WriteEndObject();

            // Whatever the client asked: the gateway keeps nothing.
            writer.WriteBoolean("store"u8, false);
            Echo(writer, root, "temperature"u8, "1"u8);

            var text = TryGetSent(root, "text"u8, out var t) ? t : default;
            writer.WriteStartObject("text"u8);
            Echo(writer, text, "format"u8, """{"type":"text"}"""u8);
            if (TryGetSent(text, "verbosity"u8, out var verbosity))
            {
                writer.WritePropertyName("verbosity"u8);
                verbosity.WriteTo(writer);
            }

            writer.WriteEndObject();
            Echo(writer, root, "tool_choice"u8, "\"auto\""u8);
            Echo(writer, root, "tools"u8, "[]"u8);
            Echo(writer, root, "top_p"u8, "1"u8);
            Echo(writer, root, "truncation"u8, "\"disabled\""u8);
            Echo(writer, root, "user"u8, "null"u8);
            writer.WriteEndObject();
        }

        // The object's properties without its braces: the translators write them among their own.
        return buffer.WrittenSpan[1..^1].ToArray();
    }

    /// <summary>Writes <paramref name="name"/> with the value sent, else with <paramref name="defaultJson"/>.</summary>
    private static void Echo(Utf8JsonWriter writer, JsonElement parent, ReadOnlySpan<byte> name, ReadOnlySpan<byte> defaultJson)
    {
        writer.WritePropertyName(name);
        if (TryGetSent(parent, name, out var value))
        {
            value.WriteTo(writer);
        }
        else
        {
            writer.WriteRawValue(defaultJson, skipInputValidation: true);
        }
    }

    /// <summary>Sent and not null; false for a parent that was not sent itself (Undefined).</summary>
    private static bool TryGetSent(JsonElement parent, ReadOnlySpan<byte> name, out JsonElement value)
    {
        if (parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }

        value = default;
        return false;
    }
}
