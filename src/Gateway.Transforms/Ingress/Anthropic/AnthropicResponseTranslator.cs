using System.Buffers;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Ingress.Anthropic;

/// <summary>
/// Rewrites an OpenAI <c>chat.completion</c> as an Anthropic message: reasoning as a thinking block, content (or refusal)
/// as a text block, tool calls as tool_use blocks, finish reason as stop reason, usage with cache reads apart.
/// </summary>
public static class AnthropicResponseTranslator
{
    /// <summary>
    /// Translates <paramref name="completion"/>, reporting the model it names (the one the provider answered with), or
    /// <paramref name="model"/> when it names none. Returns false when the body is not a chat completion (the caller then
    /// answers with an api_error).
    /// </summary>
    public static bool TryTranslate(ReadOnlyMemory<byte> completion, string model, IBufferWriter<byte> output, out TokenUsage usage)
    {
        usage = default;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(completion);
        }
        catch (JsonException)
        {
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("choices"u8, out var choices)
                || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0
                || !choices[0].TryGetProperty("message"u8, out var message) || message.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            usage = ReadUsage(root);
            using var writer = new Utf8JsonWriter(output);
            writer.WriteStartObject();
            writer.WriteString("id"u8, "msg_" + (root.TryGetProperty("id"u8, out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : Guid.NewGuid().ToString("N")));
            writer.WriteString("type"u8, "message"u8);
            writer.WriteString("role"u8, "assistant"u8);
            if (root.TryGetProperty("model"u8, out var answered) && answered.ValueKind == JsonValueKind.String && answered.GetString() is { Length: > 0 } answeredModel)
            {
                model = answeredModel;
            }

            writer.WriteString("model"u8, model);
            writer.WriteStartArray("content"u8);
            var refused = WriteContent(writer, message);
            writer.WriteEndArray();
            writer.WritePropertyName("stop_reason"u8);
            var finish = choices[0].TryGetProperty("finish_reason"u8, out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : "stop";
            writer.WriteRawValue(refused ? "\"refusal\""u8 : AnthropicStopReason.FromFinishReason(System.Text.Encoding.UTF8.GetBytes(finish)), skipInputValidation: true);
            writer.WriteNull("stop_sequence"u8);
            writer.WriteStartObject("usage"u8);
            writer.WriteNumber("input_tokens"u8, Math.Max(0, usage.PromptTokens - usage.CachedPromptTokens));
            writer.WriteNumber("cache_creation_input_tokens"u8, 0);
            writer.WriteNumber("cache_read_input_tokens"u8, usage.CachedPromptTokens);
            writer.WriteNumber("output_tokens"u8, usage.CompletionTokens);
            writer.WriteEndObject();
            writer.WriteEndObject();
            return true;
        }
    }

    /// <summary>Writes the content blocks; true when the answer was a refusal.</summary>
    private static bool WriteContent(Utf8JsonWriter writer, JsonElement message)
    {
        foreach (var name in new[] { "reasoning_content", "reasoning" })
        {
            if (message.TryGetProperty(name, out var reasoning) && reasoning.ValueKind == JsonValueKind.String && reasoning.GetString() is { Length: > 0 })
            {
                writer.WriteStartObject();
                writer.WriteString("type"u8, "thinking"u8);
                writer.WritePropertyName("thinking"u8);
                reasoning.WriteTo(writer);
                writer.WriteString("signature"u8, ""u8);
                writer.WriteEndObject();
                break;
            }
        }

        var refused = message.TryGetProperty("refusal"u8, out var refusal) && refusal.ValueKind == JsonValueKind.String;
        var text = refused ? refusal : message.TryGetProperty("content"u8, out var content) ? content : default;
        if (text.ValueKind == JsonValueKind.String && text.GetString() is { Length: > 0 })
        {
            writer.WriteStartObject();
            writer.WriteString("type"u8, "text"u8);
            writer.WritePropertyName("text"u8);
            text.WriteTo(writer);
            writer.WriteEndObject();
        }

        if (message.TryGetProperty("tool_calls"u8, out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                var function = call.GetProperty("function"u8);
                writer.WriteStartObject();
                writer.WriteString("type"u8, "tool_use"u8);
                writer.WritePropertyName("id"u8);
                call.GetProperty("id"u8).WriteTo(writer);
                writer.WritePropertyName("name"u8);
                function.GetProperty("name"u8).WriteTo(writer);
                writer.WritePropertyName("input"u8);
                WriteInput(writer, function.TryGetProperty("arguments"u8, out var arguments) ? arguments.GetString() : null);
                writer.WriteStartObject("caller"u8);
                writer.WriteString("type"u8, "direct"u8);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
        }

        return refused;
    }

    /// <summary>The arguments string as the input object; empty or malformed arguments become <c>{}</c>.</summary>
    internal static void WriteInput(Utf8JsonWriter writer, string? arguments)
    {
        if (!string.IsNullOrWhiteSpace(arguments))
        {
            try
            {
                using var input = JsonDocument.Parse(arguments);
                if (input.RootElement.ValueKind == JsonValueKind.Object)
                {
                    input.RootElement.WriteTo(writer);
                    return;
                }
            }
            catch (JsonException)
            {
            }
        }

        writer.WriteStartObject();
        writer.WriteEndObject();
    }

    private static TokenUsage ReadUsage(JsonElement root)
    {
        if (!root.TryGetProperty("usage"u8, out var usage) || usage.ValueKind != JsonValueKind.Object)
        {
            return default;
        }

        static long Number(JsonElement parent, ReadOnlySpan<byte> name) =>
            parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.TryGetInt64(out var number) ? number : 0;

        var cached = usage.TryGetProperty("prompt_tokens_details"u8, out var prompt) ? Number(prompt, "cached_tokens"u8) : 0;
        var reasoning = usage.TryGetProperty("completion_tokens_details"u8, out var completion) ? Number(completion, "reasoning_tokens"u8) : 0;
        return new TokenUsage(Number(usage, "prompt_tokens"u8), Number(usage, "completion_tokens"u8), cached, reasoning) { IsKnown = true };
    }
}
