using System.Text.Json;

namespace MassRouter.Gateway.StoredResponses;

/// <summary>What the index reads off Responses bodies: the id of a response the provider stored, a request's <c>previous_response_id</c>.</summary>
internal static class StoredResponseIndex
{
    /// <summary>How long an entry lives: OpenAI keeps a stored response 30 days.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    /// <summary>
    /// The id of the Response <paramref name="json"/> is (<paramref name="inEvent"/> false) or carries as its
    /// <c>response</c> (a stream event's data, <c>response.created</c> first), when the provider stored it: its
    /// <c>store</c> is true or absent (the API's default). Null otherwise, or when the JSON is not that.
    /// </summary>
    public static string? StoredId(ReadOnlySpan<byte> json, bool inEvent)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            if (!inEvent)
            {
                return ReadResponse(ref reader);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isResponse = reader.ValueTextEquals("response"u8);
                reader.Read();
                if (isResponse)
                {
                    return reader.TokenType == JsonTokenType.StartObject ? ReadResponse(ref reader) : null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    /// <summary>
    /// The stored state a Responses request continues: its <c>previous_response_id</c>, or its <c>conversation</c> (an id,
    /// or an object with one); null when it names neither (or is not JSON).
    /// </summary>
    public static StateReference? ContinuedState(ReadOnlySpan<byte> request)
    {
        try
        {
            var reader = new Utf8JsonReader(request);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isPrevious = reader.ValueTextEquals("previous_response_id"u8);
                var isConversation = !isPrevious && reader.ValueTextEquals("conversation"u8);
                reader.Read();
                if (isPrevious && reader.TokenType == JsonTokenType.String && reader.GetString() is { Length: > 0 } previous)
                {
                    return new StateReference(previous, Conversation: false);
                }

                if (isConversation && reader.TokenType == JsonTokenType.String && reader.GetString() is { Length: > 0 } conversation)
                {
                    return new StateReference(conversation, Conversation: true);
                }

                if (isConversation && reader.TokenType == JsonTokenType.StartObject && ObjectIdAt(ref reader) is { } id)
                {
                    return new StateReference(id, Conversation: true);
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    /// <summary>True when a Responses request asks for a background response (<c>"background": true</c> at its top level).</summary>
    public static bool RequestsBackground(ReadOnlySpan<byte> request)
    {
        try
        {
            var reader = new Utf8JsonReader(request);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isBackground = reader.ValueTextEquals("background"u8);
                reader.Read();
                if (isBackground)
                {
                    return reader.TokenType == JsonTokenType.True;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }

    /// <summary>The top-level <c>id</c> of an object (a created conversation), or null.</summary>
    public static string? ObjectId(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject ? ObjectIdAt(ref reader) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The <c>id</c> of the object the reader is on (read to its end), when it is a usable key.</summary>
    private static string? ObjectIdAt(ref Utf8JsonReader reader)
    {
        string? id = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isId = reader.ValueTextEquals("id"u8);
            reader.Read();
            if (isId && reader.TokenType == JsonTokenType.String)
            {
                id = reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }

        return Usable(id);
    }

    private static string? Usable(string? id) => id is { Length: > 0 and <= 256 } && !id.Contains('\n') ? id : null;

    /// <summary>The id of the Response object the reader is on, when it was stored.</summary>
    private static string? ReadResponse(ref Utf8JsonReader reader)
    {
        string? id = null;
        var stored = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                id = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("store"u8))
            {
                reader.Read();
                stored = reader.TokenType != JsonTokenType.False;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return stored ? Usable(id) : null;
    }
}

/// <summary>The stored state a Responses request continues: a response (<c>previous_response_id</c>) or a <c>conversation</c>.</summary>
internal readonly record struct StateReference(string Id, bool Conversation);
