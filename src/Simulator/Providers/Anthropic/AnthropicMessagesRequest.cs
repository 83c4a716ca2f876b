using System.Buffers;
using System.Text.Json;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.Anthropic;

/// <summary>The fields of a Messages request the simulator acts on.</summary>
internal sealed record AnthropicMessagesRequest(string? Model, bool Stream, int? MaxTokens, bool Thinking, ToolCallPlan? ForcedTool)
{
    /// <summary>Parses the body; null when it is not a JSON object.</summary>
    public static AnthropicMessagesRequest? TryParse(ReadOnlySequence<byte> body) =>
        RequestFields.ReadObject(body, static root => new AnthropicMessagesRequest(
            RequestFields.String(root, "model"),
            RequestFields.IsTrue(root, "stream"),
            RequestFields.Int(root, "max_tokens"),
            RequestFields.HasType(root, "thinking", "enabled", "adaptive"),
            ReadForcedTool(root)));

    /// <summary>The tool a tool_choice of "any" (first tool) or "tool" (named) forces; "auto" and "none" answer with text.</summary>
    private static ToolCallPlan? ReadForcedTool(JsonElement root)
    {
        if (!root.TryGetProperty("tool_choice", out var choice) || choice.ValueKind != JsonValueKind.Object
            || !choice.TryGetProperty("type", out var type)
            || !root.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var named = type.ValueEquals("tool"u8) && choice.TryGetProperty("name", out var n) ? n.GetString() : null;
        if (!type.ValueEquals("any"u8) && named is null)
        {
            return null;
        }

        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.ValueKind == JsonValueKind.Object && tool.TryGetProperty("name", out var name) && name.GetString() is { } toolName
                && (named is null || named == toolName))
            {
                return ToolCallPlan.Create(toolName, tool.TryGetProperty("input_schema", out var schema) ? schema : null);
            }
        }

        return null;
    }
}
