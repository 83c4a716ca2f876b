using System.Buffers;
using System.Text.Json;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.Gemini;

/// <summary>The fields of a generateContent request the simulator acts on.</summary>
internal sealed record GeminiRequest(int? MaxOutputTokens, bool IncludeThoughts, ToolCallPlan? ForcedTool)
{
    /// <summary>Parses the body; null when it is not a JSON object.</summary>
    public static GeminiRequest? TryParse(ReadOnlySequence<byte> body) =>
        RequestFields.ReadObject(body, static root =>
        {
            int? maxTokens = null;
            var includeThoughts = false;
            if (root.TryGetProperty("generationConfig", out var config) && config.ValueKind == JsonValueKind.Object)
            {
                maxTokens = RequestFields.Int(config, "maxOutputTokens");
                includeThoughts = config.TryGetProperty("thinkingConfig", out var thinking) && RequestFields.IsTrue(thinking, "includeThoughts");
            }

            return new GeminiRequest(maxTokens, includeThoughts, ReadForcedTool(root));
        });

    /// <summary>Mode ANY forces a call: of the first allowed function name, else of the first declared function.</summary>
    private static ToolCallPlan? ReadForcedTool(JsonElement root)
    {
        if (!root.TryGetProperty("toolConfig", out var toolConfig) || toolConfig.ValueKind != JsonValueKind.Object
            || !toolConfig.TryGetProperty("functionCallingConfig", out var calling) || calling.ValueKind != JsonValueKind.Object
            || !calling.TryGetProperty("mode", out var mode) || !mode.ValueEquals("ANY"u8)
            || !root.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        string? allowed = null;
        if (calling.TryGetProperty("allowedFunctionNames", out var names) && names.ValueKind == JsonValueKind.Array && names.GetArrayLength() > 0)
        {
            allowed = names[0].GetString();
        }

        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("functionDeclarations", out var declarations)
                || declarations.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var declaration in declarations.EnumerateArray())
            {
                if (declaration.TryGetProperty("name", out var name) && name.GetString() is { } functionName
                    && (allowed is null || allowed == functionName))
                {
                    JsonElement? schema = declaration.TryGetProperty("parameters", out var parameters) ? parameters
                        : declaration.TryGetProperty("parametersJsonSchema", out var jsonSchema) ? jsonSchema : null;
                    return ToolCallPlan.Create(functionName, schema, fragmented: false);
                }
            }
        }

        return null;
    }
}
