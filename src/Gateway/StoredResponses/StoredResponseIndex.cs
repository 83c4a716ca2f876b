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

    /// <summary>A Responses request's <c>previous_response_id</c>, or null (absent, null, not a string, not JSON).</summary>
    public static string? PreviousResponseId(ReadOnlySpan<byte> request)
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
                reader.Read();
                if (isPrevious)
                {
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() is { Length: > 0 } id ? id : null : null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

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

        return stored && id is { Length: > 0 } && id.Length <= 256 && !id.Contains('\n') ? id : null;
    }
}
