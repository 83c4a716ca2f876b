using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Ingress.Anthropic;

/// <summary>
/// Rewrites an Anthropic Messages request as an OpenAI chat-completions request: system prompt, multi-turn history with
/// tool_use and tool_result blocks, images, tools and tool_choice, stop sequences, sampling parameters and thinking.
/// </summary>
/// <remarks>
/// The request is parsed once into a pooled <see cref="JsonDocument"/> (Anthropic's system prompt and tool results must be
/// moved relative to where they appear, which a forward-only reader cannot do) and written with a
/// <see cref="Utf8JsonWriter"/>; values (text, schemas, tool input) are copied as JSON without materialising strings.
/// Parameters no OpenAI-compatible provider can honour (<c>top_k</c>, server tools) are rejected, never dropped silently.
/// </remarks>
public static class AnthropicRequestTranslator
{
    /// <summary>Thinking budgets up to this many tokens map to reasoning_effort "low"; up to <see cref="MediumEffortBudget"/> to "medium".</summary>
    public const int LowEffortBudget = 2048;

    /// <summary>Thinking budgets above this many tokens map to reasoning_effort "high".</summary>
    public const int MediumEffortBudget = 8192;

    private static readonly JsonWriterOptions _writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Translates <paramref name="anthropicBody"/> into <paramref name="openAIBody"/>. <paramref name="upstreamModel"/>, when
    /// given, replaces the model the client named. Returns false with <paramref name="error"/> for a request that is not valid.
    /// </summary>
    public static bool TryTranslate(
        ReadOnlyMemory<byte> anthropicBody,
        IBufferWriter<byte> openAIBody,
        string? upstreamModel,
        out AnthropicRequestInfo info,
        out AnthropicRequestError error)
    {
        info = default;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(anthropicBody, RequestJson.DocumentOptions);
        }
        catch (JsonException ex)
        {
            error = new AnthropicRequestError(JsonSyntaxError.Describe(anthropicBody.Span, ex));
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = new AnthropicRequestError("The request body must be a JSON object.");
                return false;
            }

            if (!Validate(root, out var model, out var maxTokens, out error))
            {
                return false;
            }

            try
            {
                return Write(root, openAIBody, upstreamModel, model, maxTokens, out info, out error);
            }
            catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException)
            {
                // A required field of a block (tool_use id, tool name, ...) is missing or has the wrong type.
                error = new AnthropicRequestError("messages: a content block or tool is missing a required field or has one of the wrong type");
                return false;
            }
        }
    }

    private static bool Write(
        JsonElement root, IBufferWriter<byte> openAIBody, string? upstreamModel, string model, int maxTokens,
        out AnthropicRequestInfo info, out AnthropicRequestError error)
    {
        info = default;
        var stream = root.TryGetProperty("stream"u8, out var s) && s.ValueKind == JsonValueKind.True;
        using var writer = new Utf8JsonWriter(openAIBody, _writerOptions);
        writer.WriteStartObject();
        writer.WriteString("model"u8, upstreamModel ?? model);
        writer.WriteStartArray("messages"u8);
        if (root.TryGetProperty("system"u8, out var system))
        {
            WriteSystem(writer, system);
        }

        foreach (var message in root.GetProperty("messages"u8).EnumerateArray())
        {
            if (!WriteMessage(writer, message, out error))
            {
                return false;
            }
        }

        writer.WriteEndArray();
        writer.WriteNumber("max_tokens"u8, maxTokens);
        if (!WriteOptions(writer, root, stream, out error))
        {
            return false;
        }

        writer.WriteEndObject();
        writer.Flush();
        info = new AnthropicRequestInfo(model, stream, maxTokens);
        return true;
    }

    private static bool Validate(JsonElement root, out string model, out int maxTokens, out AnthropicRequestError error)
    {
        model = string.Empty;
        maxTokens = 0;
        error = default;
        if (!root.TryGetProperty("model"u8, out var m) || m.ValueKind != JsonValueKind.String || m.GetString() is not { Length: > 0 } name)
        {
            error = new AnthropicRequestError("model: Field required");
            return false;
        }

        model = name;
        if (!AnthropicParameterTypes.TryCheck(root, out error))
        {
            return false;
        }

        if (!root.TryGetProperty("max_tokens"u8, out var max) || max.ValueKind != JsonValueKind.Number)
        {
            error = new AnthropicRequestError("max_tokens: Field required");
            return false;
        }

        // Checked above: a whole number from 1 to int.MaxValue, though perhaps written 100.0 or 1e3.
        maxTokens = (int)max.GetDouble();
        if (!root.TryGetProperty("messages"u8, out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            error = new AnthropicRequestError("messages: Field required");
            return false;
        }

        if (root.TryGetProperty("top_k"u8, out var topK) && topK.ValueKind != JsonValueKind.Null)
        {
            error = new AnthropicRequestError("top_k: not supported by this model's provider (OpenAI-compatible APIs have no top_k).");
            return false;
        }

        return true;
    }

    /// <summary>A string, or text blocks joined with blank lines (cache_control and citations have no OpenAI equivalent).</summary>
    private static void WriteSystem(Utf8JsonWriter writer, JsonElement system)
    {
        if (system.ValueKind == JsonValueKind.String)
        {
            writer.WriteStartObject();
            writer.WriteString("role"u8, "system"u8);
            writer.WritePropertyName("content"u8);
            system.WriteTo(writer);
            writer.WriteEndObject();
        }
        else if (system.ValueKind == JsonValueKind.Array && system.GetArrayLength() > 0)
        {
            writer.WriteStartObject();
            writer.WriteString("role"u8, "system"u8);
            writer.WriteString("content"u8, JoinText(system));
            writer.WriteEndObject();
        }
    }

    private static bool WriteMessage(Utf8JsonWriter writer, JsonElement message, out AnthropicRequestError error)
    {
        error = default;
        if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("role"u8, out var role)
            || !message.TryGetProperty("content"u8, out var content))
        {
            error = new AnthropicRequestError("messages: each message needs a role and content");
            return false;
        }

        if (role.ValueEquals("system"u8))
        {
            // A system message between the turns (Claude Code sends its agent list as one): a system message where it
            // stands, which chat APIs take anywhere and the other codecs gather with the system prompt. Its content is a
            // string or text blocks: AnthropicParameterTypes refused anything else before the translation began.
            WriteSystem(writer, content);
            return true;
        }

        var isAssistant = role.ValueEquals("assistant"u8);
        if (!isAssistant && !role.ValueEquals("user"u8))
        {
            error = new AnthropicRequestError("messages: role must be \"user\", \"assistant\" or \"system\"");
            return false;
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            writer.WriteStartObject();
            writer.WriteString("role"u8, isAssistant ? "assistant"u8 : "user"u8);
            writer.WritePropertyName("content"u8);
            content.WriteTo(writer);
            writer.WriteEndObject();
            return true;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            error = new AnthropicRequestError("messages: content must be a string or an array of content blocks");
            return false;
        }

        return isAssistant ? WriteAssistant(writer, content, out error) : WriteUser(writer, content, out error);
    }

    /// <summary>
    /// tool_result blocks become "tool" messages, written first: OpenAI requires them right after the assistant's tool calls.
    /// The remaining text and image blocks form one user message.
    /// </summary>
    private static bool WriteUser(Utf8JsonWriter writer, JsonElement content, out AnthropicRequestError error)
    {
        error = default;
        var parts = 0;
        foreach (var block in content.EnumerateArray())
        {
            if (IsType(block, "tool_result"u8))
            {
                writer.WriteStartObject();
                writer.WriteString("role"u8, "tool"u8);
                writer.WritePropertyName("tool_call_id"u8);
                block.GetProperty("tool_use_id"u8).WriteTo(writer);
                var isError = block.TryGetProperty("is_error"u8, out var e) && e.ValueKind == JsonValueKind.True;
                var result = block.TryGetProperty("content"u8, out var c) ? c : default;
                if (result.ValueKind == JsonValueKind.Array && result.EnumerateArray().FirstOrDefault(r => !IsType(r, "text"u8)) is { ValueKind: not JsonValueKind.Undefined } other)
                {
                    // OpenAI tool messages carry text only: an image in a tool result cannot be passed on, and is not dropped silently.
                    error = new AnthropicRequestError($"messages: tool_result content block type '{TypeName(other)}' is not supported by this model's provider");
                    return false;
                }

                if (isError || result.ValueKind == JsonValueKind.Array)
                {
                    var text = result.ValueKind switch
                    {
                        JsonValueKind.String => result.GetString()!,
                        JsonValueKind.Array => JoinText(result),
                        _ => string.Empty,
                    };
                    writer.WriteString("content"u8, isError ? "Error: " + text : text);
                }
                else if (result.ValueKind == JsonValueKind.String)
                {
                    writer.WritePropertyName("content"u8);
                    result.WriteTo(writer);
                }
                else
                {
                    writer.WriteString("content"u8, ""u8);
                }

                writer.WriteEndObject();
            }
            else
            {
                parts++;
            }
        }

        if (parts == 0)
        {
            return true;
        }

        writer.WriteStartObject();
        writer.WriteString("role"u8, "user"u8);
        writer.WriteStartArray("content"u8);
        foreach (var block in content.EnumerateArray())
        {
            if (IsType(block, "text"u8))
            {
                writer.WriteStartObject();
                writer.WriteString("type"u8, "text"u8);
                writer.WritePropertyName("text"u8);
                block.GetProperty("text"u8).WriteTo(writer);
                writer.WriteEndObject();
            }
            else if (IsType(block, "image"u8))
            {
                if (!WriteImage(writer, block, out error))
                {
                    return false;
                }
            }
            else if (!IsType(block, "tool_result"u8))
            {
                error = new AnthropicRequestError($"messages: content block type '{TypeName(block)}' is not supported by this model's provider");
                return false;
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        return true;
    }

    private static bool WriteImage(Utf8JsonWriter writer, JsonElement block, out AnthropicRequestError error)
    {
        error = default;
        if (!block.TryGetProperty("source"u8, out var source) || !source.TryGetProperty("type"u8, out var sourceType))
        {
            error = new AnthropicRequestError("messages: image blocks need a source");
            return false;
        }

        writer.WriteStartObject();
        writer.WriteString("type"u8, "image_url"u8);
        writer.WriteStartObject("image_url"u8);
        if (sourceType.ValueEquals("base64"u8))
        {
            writer.WriteString("url"u8, $"data:{source.GetProperty("media_type"u8).GetString()};base64,{source.GetProperty("data"u8).GetString()}");
        }
        else if (sourceType.ValueEquals("url"u8))
        {
            writer.WritePropertyName("url"u8);
            source.GetProperty("url"u8).WriteTo(writer);
        }
        else
        {
            error = new AnthropicRequestError($"messages: image source type '{sourceType}' is not supported by this model's provider");
            return false;
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        return true;
    }

    /// <summary>Text blocks become the content; tool_use blocks become tool_calls with the input as an arguments string.</summary>
    private static bool WriteAssistant(Utf8JsonWriter writer, JsonElement content, out AnthropicRequestError error)
    {
        error = default;
        writer.WriteStartObject();
        writer.WriteString("role"u8, "assistant"u8);
        var text = JoinText(content);
        if (text.Length > 0)
        {
            writer.WriteString("content"u8, text);
        }
        else
        {
            writer.WriteNull("content"u8);
        }

        var calls = false;
        foreach (var block in content.EnumerateArray())
        {
            if (IsType(block, "tool_use"u8))
            {
                if (!calls)
                {
                    writer.WriteStartArray("tool_calls"u8);
                    calls = true;
                }

                writer.WriteStartObject();
                writer.WritePropertyName("id"u8);
                block.GetProperty("id"u8).WriteTo(writer);
                writer.WriteString("type"u8, "function"u8);
                writer.WriteStartObject("function"u8);
                writer.WritePropertyName("name"u8);
                block.GetProperty("name"u8).WriteTo(writer);
                writer.WriteString("arguments"u8, block.TryGetProperty("input"u8, out var input) ? input.GetRawText() : "{}");
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            else if (!IsType(block, "text"u8) && !IsType(block, "thinking"u8) && !IsType(block, "redacted_thinking"u8))
            {
                // Thinking blocks are the provider's own reasoning, signed for Anthropic only: other providers take none back.
                error = new AnthropicRequestError($"messages: content block type '{TypeName(block)}' is not supported by this model's provider");
                return false;
            }
        }

        if (calls)
        {
            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        return true;
    }

    private static bool WriteOptions(Utf8JsonWriter writer, JsonElement root, bool stream, out AnthropicRequestError error)
    {
        error = default;
        foreach (var name in new[] { "temperature", "top_p" })
        {
            if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }
        }

        if (root.TryGetProperty("stop_sequences"u8, out var stop) && stop.ValueKind == JsonValueKind.Array && stop.GetArrayLength() > 0)
        {
            writer.WritePropertyName("stop"u8);
            stop.WriteTo(writer);
        }

        if (root.TryGetProperty("metadata"u8, out var metadata) && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty("user_id"u8, out var user) && user.ValueKind == JsonValueKind.String)
        {
            writer.WritePropertyName("user"u8);
            user.WriteTo(writer);
        }

        if (ReasoningEffort(root) is { Length: > 0 } effort)
        {
            writer.WriteString("reasoning_effort"u8, effort);
        }

        if (OutputFormat(root) is { ValueKind: JsonValueKind.Object } format)
        {
            // Anthropic's structured outputs always hold to the schema (constrained decoding): a strict json_schema.
            writer.WriteStartObject("response_format"u8);
            writer.WriteString("type"u8, "json_schema"u8);
            writer.WriteStartObject("json_schema"u8);
            writer.WriteString("name"u8, "output"u8);
            writer.WriteBoolean("strict"u8, true);
            writer.WritePropertyName("schema"u8);
            format.GetProperty("schema"u8).WriteTo(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        if (root.TryGetProperty("tools"u8, out var tools) && tools.ValueKind == JsonValueKind.Array && tools.GetArrayLength() > 0
            && !WriteTools(writer, tools, out error))
        {
            return false;
        }

        if (root.TryGetProperty("tool_choice"u8, out var choice) && choice.ValueKind == JsonValueKind.Object)
        {
            WriteToolChoice(writer, choice);
        }

        if (stream)
        {
            // Anthropic streams end with usage; OpenAI-compatible providers only send it when asked.
            writer.WriteBoolean("stream"u8, true);
            writer.WriteStartObject("stream_options"u8);
            writer.WriteBoolean("include_usage"u8, true);
            writer.WriteEndObject();
        }

        return true;
    }

    /// <summary>
    /// The reasoning effort for a request's thinking: <c>output_config.effort</c> when thinking is on (enabled or adaptive)
    /// or left to the model; else an enabled thinking's budget in three bands; adaptive thinking without an effort is
    /// Anthropic's default effort, high. Efforts above high (<c>xhigh</c>, <c>max</c>) are high: the most chat APIs take.
    /// Thinking disabled sends none.
    /// </summary>
    private static ReadOnlySpan<byte> ReasoningEffort(JsonElement root)
    {
        var type = root.TryGetProperty("thinking"u8, out var thinking) && thinking.ValueKind == JsonValueKind.Object
            && thinking.TryGetProperty("type"u8, out var t) && t.ValueKind == JsonValueKind.String ? t : default;
        if (type.ValueKind == JsonValueKind.String && type.ValueEquals("disabled"u8))
        {
            return default;
        }

        if (root.TryGetProperty("output_config"u8, out var config) && config.ValueKind == JsonValueKind.Object
            && config.TryGetProperty("effort"u8, out var effort) && effort.ValueKind == JsonValueKind.String)
        {
            return effort.ValueEquals("low"u8) ? "low"u8 : effort.ValueEquals("medium"u8) ? "medium"u8 : "high"u8;
        }

        if (type.ValueKind != JsonValueKind.String)
        {
            return default;
        }

        if (type.ValueEquals("adaptive"u8))
        {
            return "high"u8;
        }

        var budget = thinking.TryGetProperty("budget_tokens"u8, out var b) && b.TryGetInt32(out var tokens) ? tokens : MediumEffortBudget;
        return budget <= LowEffortBudget ? "low"u8 : budget <= MediumEffortBudget ? "medium"u8 : "high"u8;
    }

    /// <summary><c>output_config.format</c>, or the structured-outputs beta's top-level <c>output_format</c>; Undefined for none.</summary>
    private static JsonElement OutputFormat(JsonElement root) =>
        root.TryGetProperty("output_config"u8, out var config) && config.ValueKind == JsonValueKind.Object
            && config.TryGetProperty("format"u8, out var format) && format.ValueKind == JsonValueKind.Object ? format
        : root.TryGetProperty("output_format"u8, out var beta) && beta.ValueKind == JsonValueKind.Object ? beta
        : default;

    private static bool WriteTools(Utf8JsonWriter writer, JsonElement tools, out AnthropicRequestError error)
    {
        error = default;
        writer.WriteStartArray("tools"u8);
        foreach (var tool in tools.EnumerateArray())
        {
            // Client tools have no type or "custom"; typed ones (web_search_..., tool_search_..., bash_...) run on Anthropic's side.
            if (tool.TryGetProperty("type"u8, out var type) && !type.ValueEquals("custom"u8))
            {
                error = new AnthropicRequestError($"tools: server tool '{type}' is not supported by this model's provider");
                return false;
            }

            writer.WriteStartObject();
            writer.WriteString("type"u8, "function"u8);
            writer.WriteStartObject("function"u8);
            writer.WritePropertyName("name"u8);
            tool.GetProperty("name"u8).WriteTo(writer);
            if (tool.TryGetProperty("description"u8, out var description))
            {
                writer.WritePropertyName("description"u8);
                description.WriteTo(writer);
            }

            writer.WritePropertyName("parameters"u8);
            if (tool.TryGetProperty("input_schema"u8, out var schema))
            {
                schema.WriteTo(writer);
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteString("type"u8, "object"u8);
                writer.WriteEndObject();
            }

            if (tool.TryGetProperty("strict"u8, out var strict) && strict.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                writer.WriteBoolean("strict"u8, strict.GetBoolean());
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        return true;
    }

    private static void WriteToolChoice(Utf8JsonWriter writer, JsonElement choice)
    {
        if (!choice.TryGetProperty("type"u8, out var type))
        {
            return;
        }

        if (type.ValueEquals("tool"u8) && choice.TryGetProperty("name"u8, out var name))
        {
            writer.WriteStartObject("tool_choice"u8);
            writer.WriteString("type"u8, "function"u8);
            writer.WriteStartObject("function"u8);
            writer.WritePropertyName("name"u8);
            name.WriteTo(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteString("tool_choice"u8, type.ValueEquals("any"u8) ? "required"u8 : type.ValueEquals("none"u8) ? "none"u8 : "auto"u8);
        }

        if (choice.TryGetProperty("disable_parallel_tool_use"u8, out var disable) && disable.ValueKind == JsonValueKind.True)
        {
            writer.WriteBoolean("parallel_tool_calls"u8, false);
        }
    }

    private static bool IsType(JsonElement block, ReadOnlySpan<byte> type) =>
        block.ValueKind == JsonValueKind.Object && block.TryGetProperty("type"u8, out var value)
        && value.ValueKind == JsonValueKind.String && value.ValueEquals(type);

    private static string TypeName(JsonElement block) =>
        block.ValueKind == JsonValueKind.Object && block.TryGetProperty("type"u8, out var value) ? value.ToString() : "(none)";

    /// <summary>The text blocks of a content array joined with blank lines; other blocks are skipped.</summary>
    private static string JoinText(JsonElement blocks)
    {
        var texts = new List<string>();
        foreach (var block in blocks.EnumerateArray())
        {
            if (IsType(block, "text"u8) && block.TryGetProperty("text"u8, out var text) && text.GetString() is { } value)
            {
                texts.Add(value);
            }
        }

        return string.Join("\n\n", texts);
    }
}
