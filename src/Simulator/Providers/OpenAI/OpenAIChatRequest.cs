using System.Buffers;
using System.Text.Json;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// The few fields of a chat-completions request body the simulator acts on: <c>n</c> (the number of choices, null when
/// absent) and a forced tool call (<c>tool_choice</c> <c>"required"</c>, the first function tool, or
/// <c>{"type":"function","function":{"name":...}}</c>), besides model, stream, usage and the token limit.
/// </summary>
internal readonly record struct OpenAIChatRequest(string? Model, bool Stream, bool IncludeUsage, int? MaxTokens, int? N, ToolCallPlan? ForcedTool)
{
    /// <summary>
    /// Reads the body in one pass; false when it is not a JSON object. Only a request that forces a tool call is read a
    /// second time (into a document), for the tool's schema: the common text request stays one pass without allocations.
    /// </summary>
    public static bool TryParse(ReadOnlySequence<byte> body, out OpenAIChatRequest request)
    {
        request = default;
        string? model = null;
        bool stream = false, includeUsage = false, toolForced = false;
        int? maxTokens = null, n = null;
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
                        var value = ReadInt32(ref reader);
                        maxTokens = maxTokens is { } previous ? Math.Min(previous, value) : value;
                    }
                }
                else if (reader.ValueTextEquals("n"u8))
                {
                    reader.Read();
                    n = reader.TokenType == JsonTokenType.Number ? ReadInt32(ref reader) : null;
                }
                else if (reader.ValueTextEquals("tool_choice"u8))
                {
                    reader.Read();
                    toolForced = reader.TokenType == JsonTokenType.StartObject
                        || (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("required"u8));
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

        request = new OpenAIChatRequest(model, stream, includeUsage, maxTokens, n, toolForced ? ReadForcedTool(body) : null);
        return true;
    }

    /// <summary>An integer; a fraction counts by its whole part, and numbers beyond int range read as its bounds.</summary>
    private static int ReadInt32(ref Utf8JsonReader reader) =>
        reader.TryGetInt32(out var parsed) ? parsed : (int)Math.Clamp(Math.Truncate(reader.GetDouble()), int.MinValue, int.MaxValue);

    /// <summary>The tool call <c>tool_choice</c> forces, or null when it names no function tool the request declares.</summary>
    private static ToolCallPlan? ReadForcedTool(ReadOnlySequence<byte> body)
    {
        // The first pass read the body as one JSON object already.
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (!root.TryGetProperty("tool_choice", out var choice) || !root.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        string? named = null;
        if (choice.ValueKind == JsonValueKind.Object)
        {
            if (!choice.TryGetProperty("function", out var chosen) || chosen.ValueKind != JsonValueKind.Object
                || (named = RequestFields.String(chosen, "name")) is null)
            {
                return null;
            }
        }

        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.ValueKind == JsonValueKind.Object && tool.TryGetProperty("function", out var function)
                && function.ValueKind == JsonValueKind.Object && RequestFields.String(function, "name") is { } name
                && (named is null || named == name))
            {
                return ToolCallPlan.Create(name, function.TryGetProperty("parameters", out var parameters) ? parameters : null);
            }
        }

        return null;
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
