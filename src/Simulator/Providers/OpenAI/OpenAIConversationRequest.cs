using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// The body of a Conversations API call that sends one, or the 400 OpenAI refuses it with (<see cref="Error"/>):
/// <c>items</c> (create: optional; add items: required, not empty), at most <see cref="MaxItems"/> objects, given ids as
/// input_items gives them; <c>metadata</c> (create: optional; update: required), an object of strings, kept as compact
/// JSON. A field set to null reads as absent, an empty body as <c>{}</c>.
/// </summary>
internal sealed class OpenAIConversationRequest
{
    /// <summary>The most items one create or add-items call may send.</summary>
    public const int MaxItems = 20;

    private static readonly JsonWriterOptions _writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly byte[] _emptyObject = "{}"u8.ToArray();

    private OpenAIConversationRequest(OpenAIInputItem[]? items, ReadOnlyMemory<byte>? metadata, ReadOnlyMemory<byte> error)
    {
        Items = items;
        Metadata = metadata;
        Error = error;
    }

    /// <summary>The items with their ids, in the order sent; null when the body has none.</summary>
    public OpenAIInputItem[]? Items { get; }

    /// <summary>The metadata object, compact; null when the body has none.</summary>
    public ReadOnlyMemory<byte>? Metadata { get; }

    /// <summary>OpenAI's 400 body when the request is refused, empty when it is not.</summary>
    public ReadOnlyMemory<byte> Error { get; }

    /// <summary>Reads the fields <paramref name="call"/> (create, update or add items) takes; the others are ignored.</summary>
    public static OpenAIConversationRequest Read(ReadOnlySequence<byte> body, OpenAIConversationCall call)
    {
        if (body.IsEmpty)
        {
            body = new ReadOnlySequence<byte>(_emptyObject);
        }

        return RequestFields.ReadObject(body, root => Read(root, call)) ?? Refused(OpenAIErrors.InvalidJson);
    }

    private static OpenAIConversationRequest Read(JsonElement root, OpenAIConversationCall call)
    {
        OpenAIInputItem[]? items = null;
        if (call is OpenAIConversationCall.Create or OpenAIConversationCall.AddItems)
        {
            var required = call == OpenAIConversationCall.AddItems;
            if (!Present(root, "items", out var value))
            {
                if (required)
                {
                    return Refused(OpenAIErrors.MissingParameter("items"));
                }
            }
            else if (ItemsError(value, required) is { } error)
            {
                return Refused(error);
            }
            else
            {
                items = OpenAIInputItems.Read(value);
            }
        }

        ReadOnlyMemory<byte>? metadata = null;
        if (call is OpenAIConversationCall.Create or OpenAIConversationCall.Update)
        {
            if (!Present(root, "metadata", out var value))
            {
                if (call == OpenAIConversationCall.Update)
                {
                    return Refused(OpenAIErrors.MissingParameter("metadata"));
                }
            }
            else if (MetadataError(value) is { } error)
            {
                return Refused(error);
            }
            else
            {
                metadata = Compact(value);
            }
        }

        return new OpenAIConversationRequest(items, metadata, default);
    }

    private static ReadOnlyMemory<byte>? ItemsError(JsonElement items, bool nonEmpty)
    {
        if (items.ValueKind != JsonValueKind.Array)
        {
            return OpenAIErrors.InvalidType("items", "an array", Kind(items));
        }

        var count = items.GetArrayLength();
        if (count > MaxItems)
        {
            return OpenAIErrors.ArrayTooLong("items", MaxItems, count);
        }

        if (count == 0 && nonEmpty)
        {
            return OpenAIErrors.EmptyArray("items");
        }

        var index = 0;
        foreach (var item in items.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                return OpenAIErrors.InvalidType($"items[{index}]", "an object", Kind(item));
            }

            index++;
        }

        return null;
    }

    private static ReadOnlyMemory<byte>? MetadataError(JsonElement metadata)
    {
        if (metadata.ValueKind != JsonValueKind.Object)
        {
            return OpenAIErrors.InvalidType("metadata", "an object", Kind(metadata));
        }

        foreach (var property in metadata.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
            {
                return OpenAIErrors.InvalidType("metadata." + property.Name, "a string", Kind(property.Value));
            }
        }

        return null;
    }

    /// <summary>The object re-written without whitespace, copied out of the request's pooled buffer.</summary>
    private static ReadOnlyMemory<byte> Compact(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var json = new Utf8JsonWriter(buffer, _writerOptions))
        {
            value.WriteTo(json);
        }

        return buffer.WrittenMemory;
    }

    private static bool Present(JsonElement root, string name, out JsonElement value) =>
        root.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>How OpenAI's validation errors name the type a value has.</summary>
    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => value.TryGetInt64(out _) ? "an integer" : "a decimal",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    private static OpenAIConversationRequest Refused(ReadOnlyMemory<byte> error) => new(items: null, metadata: null, error);
}
