using System.Buffers;
using System.Text.Json;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// The request fields chat completions and legacy completions share, read in one <see cref="Utf8JsonReader"/> pass over
/// the body with the parser's own: model, stream, <c>stream_options.include_usage</c>, the token limit (null when absent)
/// and <c>n</c> (null when absent). A wrong type reads as absent.
/// </summary>
internal struct OpenAIGenerationFields
{
    public string? Model { get; private set; }

    public bool Stream { get; private set; }

    public bool IncludeUsage { get; private set; }

    public int? MaxTokens { get; private set; }

    public int? N { get; private set; }

    /// <summary>
    /// Reads a request body in one pass without allocations (but the model's string): these fields, those of
    /// <paramref name="others"/>, every other property skipped. False when the body is not a JSON object.
    /// <paramref name="maxCompletionTokens"/>: <c>max_completion_tokens</c> is a limit too (chat), the lower one applies.
    /// </summary>
    public static bool TryParse<TOthers>(ReadOnlySequence<byte> body, bool maxCompletionTokens, ref TOthers others, out OpenAIGenerationFields fields)
        where TOthers : struct, IOpenAIRequestFields
    {
        fields = default;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!others.TryRead(ref reader) && !fields.TryRead(ref reader, maxCompletionTokens))
                {
                    reader.Read();
                }

                // Steps over the value when it was not consumed above (unknown property or unexpected shape).
                reader.Skip();
            }

            return reader.TokenType == JsonTokenType.EndObject;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>An integer; a fraction counts by its whole part, and numbers beyond int range read as its bounds.</summary>
    private static int ReadInt32(ref Utf8JsonReader reader) =>
        reader.TryGetInt32(out var parsed) ? parsed : (int)Math.Clamp(Math.Truncate(reader.GetDouble()), int.MinValue, int.MaxValue);

    private bool TryRead(ref Utf8JsonReader reader, bool maxCompletionTokens)
    {
        if (reader.ValueTextEquals("model"u8))
        {
            reader.Read();
            Model = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        }
        else if (reader.ValueTextEquals("stream"u8))
        {
            reader.Read();
            Stream = reader.TokenType == JsonTokenType.True;
        }
        else if (reader.ValueTextEquals("stream_options"u8))
        {
            reader.Read();
            IncludeUsage = reader.TokenType == JsonTokenType.StartObject && ReadIncludeUsage(ref reader);
        }
        else if (reader.ValueTextEquals("max_tokens"u8) || (maxCompletionTokens && reader.ValueTextEquals("max_completion_tokens"u8)))
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.Number)
            {
                var value = ReadInt32(ref reader);
                MaxTokens = MaxTokens is { } previous ? Math.Min(previous, value) : value;
            }
        }
        else if (reader.ValueTextEquals("n"u8))
        {
            reader.Read();
            N = reader.TokenType == JsonTokenType.Number ? ReadInt32(ref reader) : null;
        }
        else
        {
            return false;
        }

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
