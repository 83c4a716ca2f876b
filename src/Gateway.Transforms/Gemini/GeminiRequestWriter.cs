using System.Buffers;
using System.Text.Json;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Gemini;

/// <summary>Writes a Gemini <c>generateContent</c> request for an OpenAI chat-completions request (the model and streaming are in the URL).</summary>
internal static class GeminiRequestWriter
{
    public static bool TryWrite(OpenAIChatRequest request, IBufferWriter<byte> output, out CodecError error)
    {
        if (!TryCheckParameters(request, out error))
        {
            return false;
        }

        using var json = new Utf8JsonWriter(output, JsonOutput.ValidatedOptions);
        json.WriteStartObject();
        json.WritePropertyName("contents"u8);
        if (!GeminiTurnWriter.Instance.TryWrite(json, request, out error))
        {
            return false;
        }

        WriteSystem(json, request);
        if (!TryWriteGenerationConfig(json, request, out error) || !TryWriteTools(json, request, out error))
        {
            return false;
        }

        json.WriteEndObject();
        json.Flush();
        return true;
    }

    // 'user' only labels the end user for abuse tracking; Gemini has no such field and generation is unaffected. Gemini can
    // generate several candidates (candidateCount), but their translation into choices is not built.
    private static bool TryCheckParameters(OpenAIChatRequest request, out CodecError error) => request.TryCheckParameters(
        static name => OpenAIChatRequest.IsCommonParameter(name) || name is "seed" or "presence_penalty" or "frequency_penalty",
        static name => name == "n" ? "the gateway does not translate several Gemini candidates into choices." : OpenAIChatRequest.WhyUnsupported(name, "Gemini"),
        out error);

    private static void WriteSystem(Utf8JsonWriter json, OpenAIChatRequest request)
    {
        var texts = request.SystemTexts();
        if (texts.Count == 0)
        {
            return;
        }

        json.WriteStartObject("systemInstruction"u8);
        json.WriteStartArray("parts"u8);
        foreach (var text in texts)
        {
            GeminiTurnWriter.WriteTextPart(json, text);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static bool TryWriteGenerationConfig(Utf8JsonWriter json, OpenAIChatRequest request, out CodecError error)
    {
        error = default;
        var root = request.Root;
        var started = false;
        void Start()
        {
            if (!started)
            {
                json.WriteStartObject("generationConfig"u8);
                started = true;
            }
        }

        void CopyNumber(string from, ReadOnlySpan<byte> to)
        {
            if (root.TryGetProperty(from, out var value) && value.ValueKind == JsonValueKind.Number)
            {
                Start();
                json.WritePropertyName(to);
                value.WriteTo(json);
            }
        }

        CopyNumber("temperature", "temperature"u8);
        CopyNumber("top_p", "topP"u8);
        if (request.MaxTokens is { } max)
        {
            Start();
            json.WriteNumber("maxOutputTokens"u8, max);
        }

        if (root.TryGetProperty("stop", out var stop) && stop.ValueKind is JsonValueKind.String or JsonValueKind.Array)
        {
            Start();
            OpenAIChatRequest.WriteStopArray(json, "stopSequences"u8, stop);
        }

        CopyNumber("seed", "seed"u8);
        CopyNumber("presence_penalty", "presencePenalty"u8);
        CopyNumber("frequency_penalty", "frequencyPenalty"u8);

        if (root.TryGetProperty("response_format", out var format) && format.ValueKind == JsonValueKind.Object)
        {
            switch (format.TryGetProperty("type", out var t) ? t.GetString() : null)
            {
                case "text":
                    break;
                case "json_object":
                    Start();
                    json.WriteString("responseMimeType"u8, "application/json"u8);
                    break;
                case "json_schema" when format.TryGetProperty("json_schema", out var spec) && spec.TryGetProperty("schema", out var schema):
                    Start();
                    json.WriteString("responseMimeType"u8, "application/json"u8);
                    json.WritePropertyName("responseJsonSchema"u8);
                    schema.WriteTo(json);
                    break;
                default:
                    error = request.Unsupported("response_format", "use text, json_object or json_schema with a schema.");
                    return false;
            }
        }

        if (root.TryGetProperty("reasoning_effort", out var effort) && effort.ValueKind == JsonValueKind.String)
        {
            var budget = ReasoningBudgets.For(effort.GetString());
            if (budget < 0)
            {
                error = OpenAIChatRequest.Invalid("reasoning_effort", $"Unknown reasoning_effort '{effort.GetString()}' (use none, minimal, low, medium or high).");
                return false;
            }

            Start();
            json.WriteStartObject("thinkingConfig"u8);
            if (budget > 0)
            {
                // Thought summaries are what OpenAI clients receive as reasoning_content.
                json.WriteBoolean("includeThoughts"u8, true);
            }

            json.WriteNumber("thinkingBudget"u8, budget);
            json.WriteEndObject();
        }

        if (started)
        {
            json.WriteEndObject();
        }

        return true;
    }

    private static bool TryWriteTools(Utf8JsonWriter json, OpenAIChatRequest request, out CodecError error)
    {
        var hasTools = ToolDefinitions.TryCollect(request, out var tools, out error);
        if (!hasTools && error.Status != 0)
        {
            return false;
        }

        if (hasTools)
        {
            json.WriteStartArray("tools"u8);
            json.WriteStartObject();
            json.WriteStartArray("functionDeclarations"u8);
            foreach (var tool in tools)
            {
                json.WriteStartObject();
                json.WriteString("name"u8, tool.Name);
                if (tool.Description is { } description)
                {
                    json.WriteString("description"u8, description);
                }

                // parametersJsonSchema takes standard JSON Schema (parameters takes Google's OpenAPI subset).
                json.WritePropertyName("parametersJsonSchema"u8);
                ToolDefinitions.WriteParameters(json, tool.Parameters);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
        }

        if (!ToolDefinitions.TryReadChoice(request, out var choice, out var named, out error))
        {
            return false;
        }

        if (choice == ToolChoice.Unspecified)
        {
            return true;
        }

        json.WriteStartObject("toolConfig"u8);
        json.WriteStartObject("functionCallingConfig"u8);
        json.WriteString("mode"u8, choice switch
        {
            ToolChoice.None => "NONE",
            ToolChoice.Required or ToolChoice.Named => "ANY",
            _ => "AUTO",
        });
        if (choice == ToolChoice.Named)
        {
            json.WriteStartArray("allowedFunctionNames"u8);
            json.WriteStringValue(named);
            json.WriteEndArray();
        }

        json.WriteEndObject();
        json.WriteEndObject();
        return true;
    }
}
