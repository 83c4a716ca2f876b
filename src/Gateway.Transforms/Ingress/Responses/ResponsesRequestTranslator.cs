using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Ingress.Responses;

/// <summary>
/// Rewrites an OpenAI Responses request as a chat-completions request, so it runs the gateway's chat pipeline to any
/// provider: instructions and input items become messages (function calls and their outputs tool calls and tool
/// messages), function tools chat tools, and the sampling, reasoning and output-format settings their chat names.
/// </summary>
/// <remarks>
/// The request is parsed once into a pooled <see cref="JsonDocument"/> (consecutive function-call items must be gathered
/// into one assistant message, which takes a look at what follows) and written with a <see cref="Utf8JsonWriter"/>;
/// values (texts, schemas, arguments) are copied as JSON without materialising strings. Everything is checked first
/// (<see cref="ResponsesRequestValidator"/>): a refused request leaves the chat body untouched. The gateway stores nothing,
/// so what refers to stored state (<c>previous_response_id</c>, <c>conversation</c>, <c>prompt</c>, file ids) is refused,
/// as are OpenAI's hosted tools; what has no chat equivalent and changes no answer (<c>store</c>, <c>include</c>,
/// <c>metadata</c>, <c>truncation</c>, <c>reasoning.summary</c>, ...) is left out.
/// </remarks>
public static class ResponsesRequestTranslator
{
    private static readonly JsonWriterOptions _writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Translates <paramref name="responsesBody"/> into <paramref name="chatBody"/>, a chat-completions request for the model
    /// the client named (the gateway replaces it per deployment). Returns false with <paramref name="error"/>, writing
    /// nothing, for a request that is not valid or that has no chat form; for the latter, when only the Responses API
    /// itself can serve it (<see cref="ResponsesRequestError.ServedNatively"/>), <paramref name="info"/> still has its
    /// model and stream flag (a non-empty model).
    /// </summary>
    public static bool TryTranslate(
        ReadOnlyMemory<byte> responsesBody,
        IBufferWriter<byte> chatBody,
        out ResponsesRequestInfo info,
        out ResponsesRequestError error)
    {
        info = default;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(responsesBody, RequestJson.DocumentOptions);
        }
        catch (JsonException ex)
        {
            error = new ResponsesRequestError(JsonSyntaxError.Describe(responsesBody.Span, ex), null, "invalid_json");
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = new ResponsesRequestError("The request body must be a JSON object.", null, "invalid_request_body");
                return false;
            }

            var stream = root.TryGetProperty("stream"u8, out var s) && s.ValueKind == JsonValueKind.True;
            if (!ResponsesRequestValidator.TryValidate(root, out error))
            {
                // What only the Responses API itself serves: the routing facts are still given, for deployments speaking it.
                if (error.ServedNatively && root.TryGetProperty("model"u8, out var model) && model.ValueKind == JsonValueKind.String
                    && model.GetString() is { Length: > 0 } name)
                {
                    info = new ResponsesRequestInfo(name, stream, [], ToolNamespaces.None);
                }

                return false;
            }

            Write(root, stream, chatBody);
            info = new ResponsesRequestInfo(root.GetProperty("model"u8).GetString()!, stream, ResponsesEcho.Write(root), NamespacesOf(root));
            return true;
        }
    }

    private static void Write(JsonElement root, bool stream, IBufferWriter<byte> chatBody)
    {
        using var writer = new Utf8JsonWriter(chatBody, _writerOptions);
        writer.WriteStartObject();
        Copy(writer, root, "model"u8);
        foreach (var property in root.EnumerateObject())
        {
            // The gateway's routing fields, which it reads from the chat body and strips. Every occurrence: the gateway
            // refuses one given twice, which it could not tell if only one were copied.
            if (property.NameEquals("models"u8) || property.NameEquals("provider"u8))
            {
                property.WriteTo(writer);
            }
        }

        writer.WriteStartArray("messages"u8);
        if (TryGetSent(root, "instructions"u8, out var instructions))
        {
            WriteMessage(writer, "system"u8, instructions);
        }

        var input = root.GetProperty("input"u8);
        if (input.ValueKind == JsonValueKind.String)
        {
            WriteMessage(writer, "user"u8, input);
        }
        else
        {
            WriteItems(writer, input);
        }

        writer.WriteEndArray();
        if (TryGetSent(root, "tools"u8, out var tools) && HasFunctions(tools))
        {
            // No function tool (none, or hosted ones only) leaves tools out: chat completions refuse an empty list, and with
            // it tool_choice and parallel_tool_calls, which OpenAI's chat API refuses without tools (the Responses API
            // takes them regardless).
            WriteTools(writer, tools);
            if (TryGetSent(root, "tool_choice"u8, out var choice))
            {
                WriteToolChoice(writer, choice);
            }

            Copy(writer, root, "parallel_tool_calls"u8);
        }

        Copy(writer, root, "temperature"u8);
        Copy(writer, root, "top_p"u8);
        Copy(writer, root, "user"u8);
        Copy(writer, root, "service_tier"u8);
        Copy(writer, root, "prompt_cache_key"u8);
        Copy(writer, root, "safety_identifier"u8);
        Copy(writer, root, "max_output_tokens"u8, "max_completion_tokens"u8);
        if (TryGetSent(root, "reasoning"u8, out var reasoning))
        {
            // reasoning.summary has no chat equivalent: chat providers return their reasoning text, if any, as they do.
            Copy(writer, reasoning, "effort"u8, "reasoning_effort"u8);
        }

        if (TryGetSent(root, "text"u8, out var text))
        {
            if (TryGetSent(text, "format"u8, out var format))
            {
                WriteResponseFormat(writer, format);
            }

            Copy(writer, text, "verbosity"u8);
        }

        if (stream)
        {
            // Always: the stream translator needs the usage for its response.completed event.
            writer.WriteBoolean("stream"u8, true);
            writer.WriteStartObject("stream_options"u8);
            writer.WriteBoolean("include_usage"u8, true);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// Writes the input items as chat messages. Reasoning items are skipped: they are the provider's own, often encrypted,
    /// and no chat provider takes them back. An assistant message stays open while function calls follow it (reasoning
    /// items between them aside), since a chat assistant message carries a turn's text and all its tool calls together.
    /// </summary>
    private static void WriteItems(Utf8JsonWriter writer, JsonElement items)
    {
        var assistantOpen = false;
        var callsOpen = false;
        foreach (var item in items.EnumerateArray())
        {
            var type = TryGetSent(item, "type"u8, out var t) ? t : default;
            if (Is(type, "reasoning"u8))
            {
                continue;
            }

            if (Is(type, "function_call"u8))
            {
                if (!assistantOpen)
                {
                    writer.WriteStartObject();
                    writer.WriteString("role"u8, "assistant"u8);
                    writer.WriteNull("content"u8);
                    assistantOpen = true;
                }

                if (!callsOpen)
                {
                    writer.WriteStartArray("tool_calls"u8);
                    callsOpen = true;
                }

                WriteToolCall(writer, item);
                continue;
            }

            CloseAssistant(writer, ref assistantOpen, ref callsOpen);
            if (Is(type, "function_call_output"u8))
            {
                WriteToolOutput(writer, item);
                continue;
            }

            var content = item.GetProperty("content"u8);
            var role = item.GetProperty("role"u8);
            if (role.ValueEquals("assistant"u8))
            {
                writer.WriteStartObject();
                writer.WriteString("role"u8, "assistant"u8);
                writer.WritePropertyName("content"u8);
                WriteText(writer, content);
                assistantOpen = true;
            }
            else
            {
                // Developer messages are system messages to every provider but OpenAI's newest models.
                WriteMessage(writer, role.ValueEquals("user"u8) ? "user"u8 : "system"u8, content);
            }
        }

        CloseAssistant(writer, ref assistantOpen, ref callsOpen);
    }

    private static void CloseAssistant(Utf8JsonWriter writer, ref bool assistantOpen, ref bool callsOpen)
    {
        if (callsOpen)
        {
            writer.WriteEndArray();
            callsOpen = false;
        }

        if (assistantOpen)
        {
            writer.WriteEndObject();
            assistantOpen = false;
        }
    }

    /// <summary>A user or system message: a string as sent, else its parts (one text part as a plain string, the form every provider takes).</summary>
    private static void WriteMessage(Utf8JsonWriter writer, ReadOnlySpan<byte> role, JsonElement content)
    {
        writer.WriteStartObject();
        writer.WriteString("role"u8, role);
        writer.WritePropertyName("content"u8);
        if (content.ValueKind == JsonValueKind.String)
        {
            content.WriteTo(writer);
        }
        else if (content.GetArrayLength() == 0)
        {
            writer.WriteStringValue(""u8);
        }
        else if (content.GetArrayLength() == 1 && TextOf(content[0]) is { ValueKind: JsonValueKind.String } text)
        {
            text.WriteTo(writer);
        }
        else
        {
            writer.WriteStartArray();
            foreach (var part in content.EnumerateArray())
            {
                WritePart(writer, part);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WritePart(Utf8JsonWriter writer, JsonElement part)
    {
        writer.WriteStartObject();
        var type = part.GetProperty("type"u8);
        if (type.ValueEquals("input_image"u8))
        {
            writer.WriteString("type"u8, "image_url"u8);
            writer.WriteStartObject("image_url"u8);
            Copy(writer, part, "image_url"u8, "url"u8);
            Copy(writer, part, "detail"u8);
            writer.WriteEndObject();
        }
        else if (type.ValueEquals("input_file"u8))
        {
            writer.WriteString("type"u8, "file"u8);
            writer.WriteStartObject("file"u8);
            Copy(writer, part, "file_data"u8);
            Copy(writer, part, "filename"u8);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteString("type"u8, "text"u8);
            writer.WritePropertyName("text"u8);
            TextOf(part).WriteTo(writer);
        }

        writer.WriteEndObject();
    }

    private static void WriteToolCall(Utf8JsonWriter writer, JsonElement item)
    {
        writer.WriteStartObject();
        Copy(writer, item, "call_id"u8, "id"u8);
        writer.WriteString("type"u8, "function"u8);
        writer.WriteStartObject("function"u8);
        if (TryGetSent(item, "namespace"u8, out var space))
        {
            // A call of a namespaced function, by its flat chat name (as the tools were offered).
            writer.WriteString("name"u8, ToolNamespaces.Flatten(space.GetString()!, item.GetProperty("name"u8).GetString()!));
        }
        else
        {
            Copy(writer, item, "name"u8);
        }

        Copy(writer, item, "arguments"u8);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteToolOutput(Utf8JsonWriter writer, JsonElement item)
    {
        writer.WriteStartObject();
        writer.WriteString("role"u8, "tool"u8);
        Copy(writer, item, "call_id"u8, "tool_call_id"u8);
        writer.WritePropertyName("content"u8);
        WriteText(writer, item.GetProperty("output"u8));
        writer.WriteEndObject();
    }

    /// <summary>
    /// Content as one string: assistant messages and tool messages are text to every provider. Text parts are joined as
    /// the chat pipeline reads a parts array (<see cref="OpenAIChatRequest.TextOf"/>), without a separator.
    /// </summary>
    private static void WriteText(Utf8JsonWriter writer, JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            content.WriteTo(writer);
        }
        else if (content.GetArrayLength() == 1)
        {
            TextOf(content[0]).WriteTo(writer);
        }
        else
        {
            var text = new StringBuilder();
            foreach (var part in content.EnumerateArray())
            {
                text.Append(TextOf(part).GetString());
            }

            writer.WriteStringValue(text.ToString());
        }
    }

    /// <summary>Function tools, also inside namespaces: what a chat API can offer (hosted tools are left out).</summary>
    private static bool HasFunctions(JsonElement tools)
    {
        foreach (var tool in tools.EnumerateArray())
        {
            var type = tool.GetProperty("type"u8);
            if (type.ValueEquals("function"u8) || (type.ValueEquals("namespace"u8) && HasFunctions(tool.GetProperty("tools"u8))))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The namespaces the request's tools declare, for the answer's calls to name theirs.</summary>
    private static ToolNamespaces NamespacesOf(JsonElement root)
    {
        if (!TryGetSent(root, "tools"u8, out var tools))
        {
            return ToolNamespaces.None;
        }

        List<string>? names = null;
        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.GetProperty("type"u8).ValueEquals("namespace"u8))
            {
                (names ??= []).Add(tool.GetProperty("name"u8).GetString()!);
            }
        }

        return names is null ? ToolNamespaces.None : new ToolNamespaces(names);
    }

    private static void WriteTools(Utf8JsonWriter writer, JsonElement tools)
    {
        writer.WriteStartArray("tools"u8);
        WriteFunctions(writer, tools, space: null);
        writer.WriteEndArray();
    }

    private static void WriteFunctions(Utf8JsonWriter writer, JsonElement tools, string? space)
    {
        foreach (var tool in tools.EnumerateArray())
        {
            var type = tool.GetProperty("type"u8);
            if (type.ValueEquals("namespace"u8))
            {
                WriteFunctions(writer, tool.GetProperty("tools"u8), tool.GetProperty("name"u8).GetString());
                continue;
            }

            if (!type.ValueEquals("function"u8))
            {
                continue;
            }

            writer.WriteStartObject();
            writer.WriteString("type"u8, "function"u8);
            writer.WriteStartObject("function"u8);
            if (space is null)
            {
                Copy(writer, tool, "name"u8);
            }
            else
            {
                writer.WriteString("name"u8, ToolNamespaces.Flatten(space, tool.GetProperty("name"u8).GetString()!));
            }

            Copy(writer, tool, "description"u8);
            Copy(writer, tool, "parameters"u8);
            Copy(writer, tool, "strict"u8);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
    }

    private static void WriteToolChoice(Utf8JsonWriter writer, JsonElement choice)
    {
        if (choice.ValueKind == JsonValueKind.String)
        {
            writer.WritePropertyName("tool_choice"u8);
            choice.WriteTo(writer);
            return;
        }

        // {"type":"function","name":...}: the only object the validator lets through.
        writer.WriteStartObject("tool_choice"u8);
        writer.WriteString("type"u8, "function"u8);
        writer.WriteStartObject("function"u8);
        Copy(writer, choice, "name"u8);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>text.format as a response_format; plain text is the chat default and needs none.</summary>
    private static void WriteResponseFormat(Utf8JsonWriter writer, JsonElement format)
    {
        var type = format.GetProperty("type"u8);
        if (type.ValueEquals("json_object"u8))
        {
            writer.WriteStartObject("response_format"u8);
            writer.WriteString("type"u8, "json_object"u8);
            writer.WriteEndObject();
        }
        else if (type.ValueEquals("json_schema"u8))
        {
            writer.WriteStartObject("response_format"u8);
            writer.WriteString("type"u8, "json_schema"u8);
            writer.WriteStartObject("json_schema"u8);
            Copy(writer, format, "name"u8);
            Copy(writer, format, "schema"u8);
            Copy(writer, format, "strict"u8);
            Copy(writer, format, "description"u8);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
    }

    /// <summary>The text of a text part: <c>text</c> of input_text and output_text, <c>refusal</c> of a refusal; Undefined for others.</summary>
    private static JsonElement TextOf(JsonElement part)
    {
        var type = part.GetProperty("type"u8);
        return type.ValueEquals("refusal"u8) ? part.GetProperty("refusal"u8)
            : type.ValueEquals("input_text"u8) || type.ValueEquals("output_text"u8) ? part.GetProperty("text"u8)
            : default;
    }

    /// <summary>Copies <paramref name="name"/> of <paramref name="parent"/>, when sent (null is "not sent"), as it is.</summary>
    private static void Copy(Utf8JsonWriter writer, JsonElement parent, ReadOnlySpan<byte> name) => Copy(writer, parent, name, name);

    /// <summary>Copies <paramref name="name"/> of <paramref name="parent"/>, when sent, as <paramref name="chatName"/>.</summary>
    private static void Copy(Utf8JsonWriter writer, JsonElement parent, ReadOnlySpan<byte> name, ReadOnlySpan<byte> chatName)
    {
        if (TryGetSent(parent, name, out var value))
        {
            writer.WritePropertyName(chatName);
            value.WriteTo(writer);
        }
    }

    private static bool TryGetSent(JsonElement parent, ReadOnlySpan<byte> name, out JsonElement value) =>
        parent.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    private static bool Is(JsonElement type, ReadOnlySpan<byte> name) => type.ValueKind == JsonValueKind.String && type.ValueEquals(name);
}
