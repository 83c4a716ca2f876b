using System.Buffers;
using System.Text.Json;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.Bedrock;

/// <summary>The fields of a Converse request the simulator acts on (the model is in the path, never in the body).</summary>
internal sealed record BedrockConverseRequest(bool HasMessages, int? MaxTokens, bool Thinking, ToolCallPlan? ForcedTool)
{
    /// <summary>Parses the body; null when it is not a JSON object.</summary>
    public static BedrockConverseRequest? TryParse(ReadOnlySequence<byte> body) =>
        RequestFields.ReadObject(body, static root => new BedrockConverseRequest(
            root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array && messages.GetArrayLength() > 0,
            root.TryGetProperty("inferenceConfig", out var inference) && inference.ValueKind == JsonValueKind.Object
                ? RequestFields.Int(inference, "maxTokens")
                : null,
            root.TryGetProperty("additionalModelRequestFields", out var additional) && additional.ValueKind == JsonValueKind.Object
                && RequestFields.HasType(additional, "thinking", "enabled", "adaptive"),
            ReadForcedTool(root)));

    /// <summary>toolChoice <c>{"any":{}}</c> forces the first tool, <c>{"tool":{"name":...}}</c> the named one; <c>auto</c> answers with text.</summary>
    private static ToolCallPlan? ReadForcedTool(JsonElement root)
    {
        if (!root.TryGetProperty("toolConfig", out var config) || config.ValueKind != JsonValueKind.Object
            || !config.TryGetProperty("toolChoice", out var choice) || choice.ValueKind != JsonValueKind.Object
            || !config.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var named = choice.TryGetProperty("tool", out var tool) && tool.ValueKind == JsonValueKind.Object
            ? RequestFields.String(tool, "name")
            : null;
        if (named is null && !choice.TryGetProperty("any", out _))
        {
            return null;
        }

        foreach (var entry in tools.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("toolSpec", out var spec) && spec.ValueKind == JsonValueKind.Object
                && RequestFields.String(spec, "name") is { } name && (named is null || named == name))
            {
                JsonElement? schema = spec.TryGetProperty("inputSchema", out var input) && input.ValueKind == JsonValueKind.Object
                    && input.TryGetProperty("json", out var json) ? json : null;
                return ToolCallPlan.Create(name, schema);
            }
        }

        return null;
    }
}
