using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.Gemini;

/// <summary>Writes a complete generateContent body, pretty-printed in the field order of google/gemini-text.json.</summary>
internal static class GeminiResponseEncoder
{
    private static readonly JsonWriterOptions _options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(IBufferWriter<byte> writer, string model, AnswerPlan plan)
    {
        using var json = new Utf8JsonWriter(writer, _options);
        json.WriteStartObject();
        json.WriteStartArray("candidates");
        json.WriteStartObject();
        json.WriteStartObject("content");
        json.WriteStartArray("parts");
        if (plan.ThinkingTokens > 0)
        {
            json.WriteStartObject();
            WriteTokens(json, plan.ThinkingTokens);
            json.WriteBoolean("thought", true);
            json.WriteEndObject();
        }

        if (plan.Tool is { } tool)
        {
            json.WriteStartObject();
            json.WriteStartObject("functionCall");
            json.WriteString("name", tool.Name);
            json.WritePropertyName("args");
            json.WriteRawValue(tool.Arguments, skipInputValidation: true);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        else
        {
            json.WriteStartObject();
            WriteTokens(json, plan.TextTokens);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteString("role", "model");
        json.WriteEndObject();
        json.WriteString("finishReason", plan.Truncated ? "MAX_TOKENS" : "STOP");
        json.WriteNumber("index", 0);
        json.WriteEndObject();
        json.WriteEndArray();

        var candidates = plan.TextTokens + (plan.Tool?.Tokens ?? 0);
        json.WriteStartObject("usageMetadata");
        json.WriteNumber("promptTokenCount", plan.PromptTokens);
        if (candidates > 0)
        {
            json.WriteNumber("candidatesTokenCount", candidates);
        }

        json.WriteNumber("totalTokenCount", plan.PromptTokens + plan.OutputTokens);
        json.WriteStartArray("promptTokensDetails");
        json.WriteStartObject();
        json.WriteString("modality", "TEXT");
        json.WriteNumber("tokenCount", plan.PromptTokens);
        json.WriteEndObject();
        json.WriteEndArray();
        if (plan.ThinkingTokens > 0)
        {
            json.WriteNumber("thoughtsTokenCount", plan.ThinkingTokens);
        }

        json.WriteEndObject();
        json.WriteString("modelVersion", model);
        json.WriteString("responseId", GeminiWire.NewResponseId());
        json.WriteEndObject();
    }

    private static void WriteTokens(Utf8JsonWriter json, int tokens)
    {
        var text = new ArrayBufferWriter<byte>(16 + (tokens * 12));
        JsonText.WriteTokens(text, 0, tokens);
        json.WriteString("text", text.WrittenSpan);
    }
}
