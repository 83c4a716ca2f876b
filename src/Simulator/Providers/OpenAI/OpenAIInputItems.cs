using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// A request's <c>input</c> as the Responses API lists it (<c>GET /v1/responses/{id}/input_items</c>), and a conversation's
/// items as the Conversations API keeps them: a string is one user message with an input_text part; the items of an array
/// are kept as sent, an <c>id</c> put first in those that have none.
/// </summary>
internal static class OpenAIInputItems
{
    private const int IdHexDigits = 48;

    private static readonly JsonWriterOptions _writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The items of <paramref name="input"/> (raw JSON, empty when the request had none); what is not an item is left out.</summary>
    public static OpenAIInputItem[] Read(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return [];
        }

        var reader = new Utf8JsonReader(input);
        using var document = JsonDocument.ParseValue(ref reader);
        return Read(document.RootElement);
    }

    /// <summary>
    /// The items of <paramref name="input"/>, a string or an array (a conversation's items), each copied out of the
    /// element's document; what is not an item is left out.
    /// </summary>
    public static OpenAIInputItem[] Read(JsonElement input)
    {
        if (input.ValueKind == JsonValueKind.String)
        {
            return [Message(input.GetString()!)];
        }

        if (input.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var items = new List<OpenAIInputItem>(input.GetArrayLength());
        foreach (var element in input.EnumerateArray())
        {
            if (element.ValueKind == JsonValueKind.Object)
            {
                items.Add(Item(element));
            }
        }

        return [.. items];
    }

    /// <summary>The body of the listing, newest item first unless <paramref name="ascending"/>; never more than one page.</summary>
    public static ReadOnlyMemory<byte> WriteList(IReadOnlyList<OpenAIInputItem> items, bool ascending)
    {
        var size = 96;
        foreach (var item in items)
        {
            size += item.Json.Length + 1;
        }

        var buffer = new ArrayBufferWriter<byte>(size);
        using (var json = new Utf8JsonWriter(buffer, _writerOptions))
        {
            json.WriteStartObject();
            json.WriteString("object"u8, "list"u8);
            json.WriteStartArray("data"u8);
            for (var i = 0; i < items.Count; i++)
            {
                json.WriteRawValue(items[ascending ? i : items.Count - 1 - i].Json.Span, skipInputValidation: true);
            }

            json.WriteEndArray();
            WriteId(json, "first_id"u8, items.Count == 0 ? null : (ascending ? items[0] : items[^1]).Id);
            WriteId(json, "last_id"u8, items.Count == 0 ? null : (ascending ? items[^1] : items[0]).Id);
            json.WriteBoolean("has_more"u8, false);
            json.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    private static OpenAIInputItem Message(string text)
    {
        var id = NewId("msg_");
        var buffer = new ArrayBufferWriter<byte>(128 + text.Length);
        using (var json = new Utf8JsonWriter(buffer, _writerOptions))
        {
            json.WriteStartObject();
            json.WriteString("id"u8, id);
            json.WriteString("type"u8, "message"u8);
            json.WriteString("role"u8, "user"u8);
            json.WriteStartArray("content"u8);
            json.WriteStartObject();
            json.WriteString("type"u8, "input_text"u8);
            json.WriteString("text"u8, text);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return new OpenAIInputItem(id, buffer.WrittenMemory);
    }

    private static OpenAIInputItem Item(JsonElement item)
    {
        var raw = JsonMarshal.GetRawUtf8Value(item);
        var hasId = item.TryGetProperty("id"u8, out var idValue);
        if (hasId && idValue.ValueKind == JsonValueKind.String && idValue.GetString() is { Length: > 0 } own)
        {
            return new OpenAIInputItem(own, raw.ToArray());
        }

        var id = NewId(Prefix(item));
        var buffer = new ArrayBufferWriter<byte>(raw.Length + 96);
        if (!hasId)
        {
            // The item as it came, the id spliced in after its opening brace.
            buffer.Write("{\"id\":\""u8);
            Write(buffer, id);
            buffer.Write("\""u8);
            var rest = raw[1..];
            if (rest.TrimStart(" \t\r\n"u8)[0] != (byte)'}')
            {
                buffer.Write(","u8);
            }

            buffer.Write(rest);
            return new OpenAIInputItem(id, buffer.WrittenMemory);
        }

        // "id":null (or empty): rewritten with the new id in its place.
        using (var json = new Utf8JsonWriter(buffer, _writerOptions))
        {
            json.WriteStartObject();
            json.WriteString("id"u8, id);
            foreach (var property in item.EnumerateObject())
            {
                if (!property.NameEquals("id"u8))
                {
                    property.WriteTo(json);
                }
            }

            json.WriteEndObject();
        }

        return new OpenAIInputItem(id, buffer.WrittenMemory);
    }

    /// <summary>
    /// OpenAI's id prefix for the item's type: <c>msg_</c> for a message (typed or the short <c>{"role","content"}</c> form),
    /// <c>fc_</c> for a function call, <c>rs_</c> for reasoning; the simulator's own <c>item_</c> for the rest.
    /// </summary>
    private static string Prefix(JsonElement item)
    {
        if (!item.TryGetProperty("type"u8, out var type) || type.ValueKind != JsonValueKind.String || type.ValueEquals("message"u8))
        {
            return "msg_";
        }

        return type.ValueEquals("function_call"u8) ? "fc_" : type.ValueEquals("reasoning"u8) ? "rs_" : "item_";
    }

    /// <summary><paramref name="prefix"/> and 48 random hex digits, the shape of OpenAI's item and conversation ids.</summary>
    public static string NewId(string prefix) =>
        string.Create(prefix.Length + IdHexDigits, prefix, static (span, prefix) =>
        {
            prefix.CopyTo(span);
            Random.Shared.GetItems("0123456789abcdef", span[prefix.Length..]);
        });

    private static void WriteId(Utf8JsonWriter json, ReadOnlySpan<byte> name, string? id)
    {
        if (id is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, id);
        }
    }

    /// <summary>Writes a generated id, ASCII letters, digits and an underscore: nothing to escape.</summary>
    private static void Write(IBufferWriter<byte> buffer, string id) => buffer.Advance(Encoding.UTF8.GetBytes(id, buffer.GetSpan(id.Length)));
}
