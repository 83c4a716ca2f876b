using System.Buffers;
using System.Text.Json;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>The few fields of a chat-completions request body the simulator acts on.</summary>
internal readonly record struct OpenAIChatRequest(string? Model, bool Stream, bool IncludeUsage, int? MaxTokens)
{
    /// <summary>Reads the body in one pass; false when it is not a JSON object.</summary>
    public static bool TryParse(ReadOnlySequence<byte> body, out OpenAIChatRequest request)
    {
        request = default;
        string? model = null;
        bool stream = false, includeUsage = false;
        int? maxTokens = null;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    model = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else if (reader.ValueTextEquals("stream"u8))
                {
                    reader.Read();
                    stream = reader.TokenType == JsonTokenType.True;
                }
                else if (reader.ValueTextEquals("stream_options"u8))
                {
                    reader.Read();
                    includeUsage = reader.TokenType == JsonTokenType.StartObject && ReadIncludeUsage(ref reader);
                }
                else if (reader.ValueTextEquals("max_tokens"u8) || reader.ValueTextEquals("max_completion_tokens"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number)
                    {
                        var value = reader.TryGetInt32(out var parsed) ? parsed : (reader.GetDouble() < 0 ? int.MinValue : int.MaxValue);
                        maxTokens = maxTokens is { } previous ? Math.Min(previous, value) : value;
                    }
                }
                else
                {
                    reader.Read();
                }

                // Steps over the value when it was not consumed above (unknown property or unexpected shape).
                reader.Skip();
            }

            if (reader.TokenType != JsonTokenType.EndObject)
            {
                return false;
            }
        }
        catch (JsonException)
        {
            return false;
        }

        request = new OpenAIChatRequest(model, stream, includeUsage, maxTokens);
        return true;
    }

    private static bool ReadIncludeUsage(ref Utf8JsonReader reader)
    {
        var includeUsage = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
            reader.Read();
            if (isIncludeUsage)
            {
                includeUsage = reader.TokenType == JsonTokenType.True;
            }

            reader.Skip();
        }

        return includeUsage;
    }
}
