using System.Buffers;
using System.Text.Json;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Cohere;

/// <summary>Writes a Cohere v2 chat request for an OpenAI chat-completions request (the message shapes are close to OpenAI's).</summary>
internal static class CohereRequestWriter
{
    public static bool TryWrite(OpenAIChatRequest request, bool stream, string upstreamModel, IBufferWriter<byte> output, out CodecError error)
    {
        var root = request.Root;
        if (!TryCheckParameters(request, out error))
        {
            return false;
        }

        using var json = new Utf8JsonWriter(output, JsonOutput.ValidatedOptions);
        json.WriteStartObject();
        json.WriteString("model"u8, upstreamModel);
        json.WritePropertyName("messages"u8);
        if (!TryWriteMessages(json, request, out error))
        {
            return false;
        }

        json.WriteBoolean("stream"u8, stream);
        CopyNumber(json, root, "temperature", "temperature"u8);
        CopyNumber(json, root, "top_p", "p"u8);
        if (request.MaxTokens is { } max)
        {
            json.WriteNumber("max_tokens"u8, max);
        }

        if (root.TryGetProperty("stop", out var stop) && stop.ValueKind is JsonValueKind.String or JsonValueKind.Array)
        {
            OpenAIChatRequest.WriteStopArray(json, "stop_sequences"u8, stop);
        }

        CopyNumber(json, root, "seed", "seed"u8);
        CopyNumber(json, root, "frequency_penalty", "frequency_penalty"u8);
        CopyNumber(json, root, "presence_penalty", "presence_penalty"u8);
        if (!TryWriteResponseFormat(json, request, out error) || !TryWriteTools(json, request, out error) || !TryWriteThinking(json, request, out error))
        {
            return false;
        }

        json.WriteEndObject();
        json.Flush();
        return true;
    }

    // 'user' only labels the end user for abuse tracking; Cohere has no such field and generation is unaffected.
    private static bool TryCheckParameters(OpenAIChatRequest request, out CodecError error) => request.TryCheckParameters(
        static name => OpenAIChatRequest.IsCommonParameter(name) || name is "seed" or "presence_penalty" or "frequency_penalty",
        static name => OpenAIChatRequest.WhyUnsupported(name, "Cohere"),
        out error);

    private static void CopyNumber(Utf8JsonWriter json, JsonElement root, string from, ReadOnlySpan<byte> to)
    {
        if (root.TryGetProperty(from, out var value) && value.ValueKind == JsonValueKind.Number)
        {
            json.WritePropertyName(to);
            value.WriteTo(json);
        }
    }

    private static bool TryWriteMessages(Utf8JsonWriter json, OpenAIChatRequest request, out CodecError error)
    {
        error = default;
        json.WriteStartArray();
        foreach (var message in request.Messages.EnumerateArray())
        {
            var role = message.TryGetProperty("role", out var r) ? r.GetString() : null;
            var hasContent = message.TryGetProperty("content", out var content) && content.ValueKind != JsonValueKind.Null;
            json.WriteStartObject();
            switch (role)
            {
                case "system" or "developer":
                    json.WriteString("role"u8, "system"u8);
                    json.WriteString("content"u8, hasContent ? OpenAIChatRequest.TextOf(content) : "");
                    break;
                case "user":
                    json.WriteString("role"u8, "user"u8);
                    json.WritePropertyName("content"u8);
                    if (!TryWriteUserContent(json, hasContent ? content : default, out error))
                    {
                        return false;
                    }

                    break;
                case "assistant":
                    json.WriteString("role"u8, "assistant"u8);
                    if (OpenAIChatRequest.TextOf(content) is { Length: > 0 } text)
                    {
                        json.WriteString("content"u8, text);
                    }

                    if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array && calls.GetArrayLength() > 0)
                    {
                        json.WriteStartArray("tool_calls"u8);
                        foreach (var call in calls.EnumerateArray())
                        {
                            var function = call.GetProperty("function");
                            json.WriteStartObject();
                            json.WriteString("id"u8, call.TryGetProperty("id", out var id) ? id.GetString() : null);
                            json.WriteString("type"u8, "function"u8);
                            json.WriteStartObject("function"u8);
                            json.WriteString("name"u8, function.GetProperty("name").GetString());
                            var arguments = function.TryGetProperty("arguments", out var a) ? a.GetString() : null;
                            json.WriteString("arguments"u8, string.IsNullOrWhiteSpace(arguments) ? "{}" : arguments);
                            json.WriteEndObject();
                            json.WriteEndObject();
                        }

                        json.WriteEndArray();
                    }

                    break;
                case "tool":
                    json.WriteString("role"u8, "tool"u8);
                    json.WriteString("tool_call_id"u8, message.TryGetProperty("tool_call_id", out var callId) ? callId.GetString() : null);
                    json.WriteString("content"u8, hasContent ? OpenAIChatRequest.TextOf(content) : "");
                    break;
                default:
                    error = OpenAIChatRequest.Invalid("messages", $"Messages with role '{role}' cannot be sent to Cohere models.");
                    return false;
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        return true;
    }

    private static bool TryWriteUserContent(Utf8JsonWriter json, JsonElement content, out CodecError error)
    {
        error = default;
        if (content.ValueKind != JsonValueKind.Array)
        {
            json.WriteStringValue(content.ValueKind == JsonValueKind.String ? content.GetString() : "");
            return true;
        }

        json.WriteStartArray();
        foreach (var part in content.EnumerateArray())
        {
            var type = part.TryGetProperty("type", out var t) ? t.GetString() : null;
            if (type == "text")
            {
                json.WriteStartObject();
                json.WriteString("type"u8, "text"u8);
                json.WriteString("text"u8, part.GetProperty("text").GetString());
                json.WriteEndObject();
            }
            else if (type == "image_url" && part.TryGetProperty("image_url", out var image) && image.TryGetProperty("url", out var url))
            {
                // Cohere v2 takes OpenAI's image_url part as is (data URLs and http URLs).
                json.WriteStartObject();
                json.WriteString("type"u8, "image_url"u8);
                json.WriteStartObject("image_url"u8);
                json.WriteString("url"u8, url.GetString());
                json.WriteEndObject();
                json.WriteEndObject();
            }
            else
            {
                error = OpenAIChatRequest.Invalid("messages", $"Content parts of type '{type}' cannot be sent to Cohere models.");
                return false;
            }
        }

        json.WriteEndArray();
        return true;
    }

    private static bool TryWriteResponseFormat(Utf8JsonWriter json, OpenAIChatRequest request, out CodecError error)
    {
        error = default;
        if (!request.Root.TryGetProperty("response_format", out var format) || format.ValueKind != JsonValueKind.Object)
        {
            return true;
        }

        switch (format.TryGetProperty("type", out var t) ? t.GetString() : null)
        {
            case "text":
                return true;
            case "json_object":
                json.WriteStartObject("response_format"u8);
                json.WriteString("type"u8, "json_object"u8);
                json.WriteEndObject();
                return true;
            case "json_schema" when format.TryGetProperty("json_schema", out var spec) && spec.TryGetProperty("schema", out var schema):
                json.WriteStartObject("response_format"u8);
                json.WriteString("type"u8, "json_object"u8);
                json.WritePropertyName("json_schema"u8);
                schema.WriteTo(json);
                json.WriteEndObject();
                return true;
            default:
                error = request.Unsupported("response_format", "use text, json_object or json_schema with a schema.");
                return false;
        }
    }

    private static bool TryWriteTools(Utf8JsonWriter json, OpenAIChatRequest request, out CodecError error)
    {
        if (!ToolDefinitions.TryRead(request, out var tools, out var choice, out var named, out error))
        {
            return false;
        }

        var hasTools = tools.Count > 0;

        if (hasTools)
        {
            json.WriteStartArray("tools"u8);
            foreach (var tool in tools)
            {
                // Cohere cannot name a tool to call; offering only that tool and requiring a call means the same.
                if (choice == ToolChoice.Named && tool.Name != named)
                {
                    continue;
                }

                json.WriteStartObject();
                json.WriteString("type"u8, "function"u8);
                json.WriteStartObject("function"u8);
                json.WriteString("name"u8, tool.Name);
                if (tool.Description is { } description)
                {
                    json.WriteString("description"u8, description);
                }

                json.WritePropertyName("parameters"u8);
                ToolDefinitions.WriteParameters(json, tool.Parameters);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        // Cohere's default is OpenAI's "auto"; it has only REQUIRED and NONE to say otherwise.
        if (choice is ToolChoice.Required or ToolChoice.Named)
        {
            json.WriteString("tool_choice"u8, "REQUIRED"u8);
        }
        else if (choice == ToolChoice.None)
        {
            json.WriteString("tool_choice"u8, "NONE"u8);
        }

        return true;
    }

    private static bool TryWriteThinking(Utf8JsonWriter json, OpenAIChatRequest request, out CodecError error)
    {
        error = default;
        if (!request.Root.TryGetProperty("reasoning_effort", out var effort) || effort.ValueKind != JsonValueKind.String)
        {
            return true;
        }

        var budget = ReasoningBudgets.For(effort.GetString());
        if (budget < 0)
        {
            error = OpenAIChatRequest.Invalid("reasoning_effort", $"Unknown reasoning_effort '{effort.GetString()}' (use none, minimal, low, medium or high).");
            return false;
        }

        json.WriteStartObject("thinking"u8);
        if (budget == 0)
        {
            json.WriteString("type"u8, "disabled"u8);
        }
        else
        {
            json.WriteString("type"u8, "enabled"u8);
            json.WriteNumber("token_budget"u8, budget);
        }

        json.WriteEndObject();
        return true;
    }
}
