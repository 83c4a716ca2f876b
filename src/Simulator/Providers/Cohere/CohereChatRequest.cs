using System.Buffers;
using System.Text.Json;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.Cohere;

/// <summary>The fields of a v2 chat request the simulator acts on.</summary>
internal sealed record CohereChatRequest(string? Model, bool Stream, int? MaxTokens, bool Thinking, ToolCallPlan? ForcedTool)
{
    /// <summary>Parses the body; null when it is not a JSON object.</summary>
    public static CohereChatRequest? TryParse(ReadOnlySequence<byte> body) =>
        RequestFields.ReadObject(body, static root => new CohereChatRequest(
            RequestFields.String(root, "model"),
            RequestFields.IsTrue(root, "stream"),
            RequestFields.Int(root, "max_tokens"),
            RequestFields.HasType(root, "thinking", "enabled"),
            ReadForcedTool(root)));

    /// <summary>tool_choice REQUIRED forces a call of the first tool; anything else answers with text.</summary>
    private static ToolCallPlan? ReadForcedTool(JsonElement root)
    {
        if (!root.TryGetProperty("tool_choice", out var choice) || !choice.ValueEquals("REQUIRED"u8)
            || !root.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.ValueKind == JsonValueKind.Object && tool.TryGetProperty("function", out var function)
                && function.ValueKind == JsonValueKind.Object && function.TryGetProperty("name", out var name) && name.GetString() is { } toolName)
            {
                return ToolCallPlan.Create(toolName, function.TryGetProperty("parameters", out var parameters) ? parameters : null);
            }
        }

        return null;
    }
}
