using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MassRouter.Gateway.Transforms.Ingress.Responses;

/// <summary>
/// Rewrites an OpenAI <c>chat.completion</c> as one Responses API Response object: reasoning as a reasoning item, content
/// and refusal as a message's parts, each tool call as a function_call item, finish reason as status, usage mapped.
/// </summary>
public static class ResponsesResponseTranslator
{
    private static readonly JsonWriterOptions _options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Translates <paramref name="completion"/> into the Response <paramref name="responseId"/>, reporting the model it names
    /// (the one the provider answered with), or <paramref name="model"/> when it names none. <paramref name="echo"/> is the
    /// request-echo fragment (comma-separated properties, no braces, possibly empty) spliced into the object;
    /// <paramref name="createdAt"/> is in unix seconds. Returns false, writing nothing, when the body is not a chat completion.
    /// </summary>
    public static bool TryTranslate(
        ReadOnlyMemory<byte> completion, string responseId, string model, ReadOnlySpan<byte> echo, long createdAt, IBufferWriter<byte> output, ToolNamespaces? namespaces = null)
    {
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
                || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0 || choices[0].ValueKind != JsonValueKind.Object
                || !choices[0].TryGetProperty("message"u8, out var message) || message.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            var finish = choices[0].TryGetProperty("finish_reason"u8, out var f) && f.ValueKind == JsonValueKind.String ? f.GetString()! : "stop";
            var incompleteReason = ResponsesIncompleteReason.FromFinishReason(Encoding.UTF8.GetBytes(finish));
            if (root.TryGetProperty("model"u8, out var answered) && answered.ValueKind == JsonValueKind.String && answered.GetString() is { Length: > 0 } answeredModel)
            {
                model = answeredModel;
            }

            using var writer = new Utf8JsonWriter(output, _options);
            writer.WriteStartObject();
            writer.WriteString("id"u8, responseId);
            writer.WriteString("object"u8, "response"u8);
            writer.WriteNumber("created_at"u8, createdAt);
            writer.WriteString("status"u8, incompleteReason.Length > 0 ? "incomplete"u8 : "completed"u8);
            writer.WriteBoolean("background"u8, false);
            writer.WriteNull("error"u8);
            if (incompleteReason.Length > 0)
            {
                writer.WriteStartObject("incomplete_details"u8);
                writer.WriteString("reason"u8, incompleteReason);
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteNull("incomplete_details"u8);
            }

            if (!echo.IsEmpty)
            {
                // The echo's properties go in as they are: the writer, flushed, puts the comma before the next property.
                writer.Flush();
                output.Write(","u8);
                output.Write(echo);
            }

            writer.WriteString("model"u8, model);
            writer.WriteStartArray("output"u8);
            WriteItems(writer, message, ResponsesItemIds.Suffix(responseId), incompleteReason.Length > 0, namespaces ?? ToolNamespaces.None);
            writer.WriteEndArray();
            WriteUsage(writer, root);
            writer.WriteEndObject();
            return true;
        }
    }

    /// <summary>Reasoning, message and function_call items in that order; when the answer was cut, the last item is incomplete.</summary>
    private static void WriteItems(Utf8JsonWriter writer, JsonElement message, string suffix, bool cut, ToolNamespaces namespaces)
    {
        foreach (var name in new[] { "reasoning_content", "reasoning" })
        {
            if (message.TryGetProperty(name, out var reasoning) && reasoning.ValueKind == JsonValueKind.String && reasoning.GetString() is { Length: > 0 })
            {
                writer.WriteStartObject();
                writer.WriteString("id"u8, "rs_" + suffix);
                writer.WriteString("type"u8, "reasoning"u8);
                writer.WriteStartArray("summary"u8);
                writer.WriteStartObject();
                writer.WriteString("type"u8, "summary_text"u8);
                writer.WritePropertyName("text"u8);
                reasoning.WriteTo(writer);
                writer.WriteEndObject();
                writer.WriteEndArray();
                writer.WriteEndObject();
                break;
            }
        }

        var calls = new List<JsonElement>();
        if (message.TryGetProperty("tool_calls"u8, out var toolCalls) && toolCalls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in toolCalls.EnumerateArray())
            {
                if (call.ValueKind == JsonValueKind.Object && call.TryGetProperty("function"u8, out var function) && function.ValueKind == JsonValueKind.Object)
                {
                    calls.Add(call);
                }
            }
        }

        var texts = new List<JsonElement>();
        if (message.TryGetProperty("content"u8, out var content))
        {
            if (content.ValueKind == JsonValueKind.String)
            {
                texts.Add(content);
            }
            else if (content.ValueKind == JsonValueKind.Array)
            {
                // Some providers (Mistral's reasoning models) answer with content parts.
                foreach (var part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type"u8, out var type) && type.ValueEquals("text"u8)
                        && part.TryGetProperty("text"u8, out var text) && text.ValueKind == JsonValueKind.String)
                    {
                        texts.Add(text);
                    }
                }
            }
        }

        texts.RemoveAll(text => text.GetString() is not { Length: > 0 });
        var refused = message.TryGetProperty("refusal"u8, out var refusal) && refusal.ValueKind == JsonValueKind.String && refusal.GetString() is { Length: > 0 };
        if (texts.Count > 0 || refused)
        {
            writer.WriteStartObject();
            writer.WriteString("id"u8, "msg_" + suffix);
            writer.WriteString("type"u8, "message"u8);
            writer.WriteString("status"u8, cut && calls.Count == 0 ? "incomplete"u8 : "completed"u8);
            writer.WriteString("role"u8, "assistant"u8);
            writer.WriteStartArray("content"u8);
            foreach (var text in texts)
            {
                writer.WriteStartObject();
                writer.WriteString("type"u8, "output_text"u8);
                writer.WriteStartArray("annotations"u8);
                writer.WriteEndArray();
                writer.WriteStartArray("logprobs"u8);
                writer.WriteEndArray();
                writer.WritePropertyName("text"u8);
                text.WriteTo(writer);
                writer.WriteEndObject();
            }

            if (refused)
            {
                writer.WriteStartObject();
                writer.WriteString("type"u8, "refusal"u8);
                writer.WritePropertyName("refusal"u8);
                refusal.WriteTo(writer);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        for (var n = 0; n < calls.Count; n++)
        {
            var function = calls[n].GetProperty("function"u8);
            writer.WriteStartObject();
            writer.WriteString("id"u8, $"fc_{suffix}_{n}");
            writer.WriteString("type"u8, "function_call"u8);
            writer.WriteString("status"u8, cut && n == calls.Count - 1 ? "incomplete"u8 : "completed"u8);
            if (function.TryGetProperty("arguments"u8, out var arguments) && arguments.ValueKind == JsonValueKind.String)
            {
                writer.WritePropertyName("arguments"u8);
                arguments.WriteTo(writer);
            }
            else
            {
                // Some providers send the arguments as an object: the Responses API has them as a JSON string.
                writer.WriteString("arguments"u8, arguments.ValueKind is JsonValueKind.Object or JsonValueKind.Array ? arguments.GetRawText() : "");
            }

            // The client answers a call by its call_id: a provider that sends none gets one made up.
            if (calls[n].TryGetProperty("id"u8, out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 })
            {
                writer.WritePropertyName("call_id"u8);
                id.WriteTo(writer);
            }
            else
            {
                writer.WriteString("call_id"u8, $"call_{suffix}_{n}");
            }

            if (function.TryGetProperty("name"u8, out var name) && name.ValueKind == JsonValueKind.String)
            {
                if (!namespaces.IsEmpty && namespaces.TrySplit(name.GetString()!, out var space, out var local))
                {
                    writer.WriteString("namespace"u8, space);
                    writer.WriteString("name"u8, local);
                }
                else
                {
                    writer.WritePropertyName("name"u8);
                    name.WriteTo(writer);
                }
            }
            else
            {
                writer.WriteString("name"u8, ""u8);
            }

            writer.WriteEndObject();
        }
    }

    /// <summary>The chat usage in the Responses API's names; null when the completion reports none.</summary>
    private static void WriteUsage(Utf8JsonWriter writer, JsonElement root)
    {
        if (!root.TryGetProperty("usage"u8, out var usage) || usage.ValueKind != JsonValueKind.Object)
        {
            writer.WriteNull("usage"u8);
            return;
        }

        static long Number(JsonElement parent, ReadOnlySpan<byte> name) =>
            parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
                && value.TryGetInt64(out var number) ? number : 0;

        var prompt = Number(usage, "prompt_tokens"u8);
        var completion = Number(usage, "completion_tokens"u8);
        writer.WriteStartObject("usage"u8);
        writer.WriteNumber("input_tokens"u8, prompt);
        writer.WriteStartObject("input_tokens_details"u8);
        writer.WriteNumber("cached_tokens"u8, usage.TryGetProperty("prompt_tokens_details"u8, out var promptDetails) ? Number(promptDetails, "cached_tokens"u8) : 0);
        writer.WriteEndObject();
        writer.WriteNumber("output_tokens"u8, completion);
        writer.WriteStartObject("output_tokens_details"u8);
        writer.WriteNumber("reasoning_tokens"u8, usage.TryGetProperty("completion_tokens_details"u8, out var completionDetails) ? Number(completionDetails, "reasoning_tokens"u8) : 0);
        writer.WriteEndObject();

        // The provider's total when it reports one (xAI's counts reasoning apart from completion_tokens), else the sum.
        writer.WriteNumber("total_tokens"u8, usage.TryGetProperty("total_tokens"u8, out var total) && total.ValueKind == JsonValueKind.Number
            && total.TryGetInt64(out var reported) ? reported : prompt + completion);
        writer.WriteEndObject();
    }
}
