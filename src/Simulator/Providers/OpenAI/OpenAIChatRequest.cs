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
        var toolChoice = default(ToolChoiceField);
        if (!OpenAIGenerationFields.TryParse(body, maxCompletionTokens: true, ref toolChoice, out var fields))
        {
            request = default;
            return false;
        }

        request = new OpenAIChatRequest(
            fields.Model, fields.Stream, fields.IncludeUsage, fields.MaxTokens, fields.N, toolChoice.MayForce ? ReadForcedTool(body) : null);
        return true;
    }

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

    /// <summary><c>tool_choice</c>: whether it may force a call (an object, or <c>"required"</c>); which one, the second read finds.</summary>
    private struct ToolChoiceField : IOpenAIRequestFields
    {
        public bool MayForce { get; private set; }

        public bool TryRead(ref Utf8JsonReader reader)
        {
            if (!reader.ValueTextEquals("tool_choice"u8))
            {
                return false;
            }

            reader.Read();
            MayForce = reader.TokenType == JsonTokenType.StartObject
                || (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("required"u8));
            return true;
        }
    }
}
