using System.Text.Json;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;

namespace MassRouter.Gateway.Transforms.Translation;

/// <summary>
/// An OpenAI chat-completions request opened for translation. Request writers need random access (system messages
/// are hoisted, tool results look up their call's name), so the body is parsed once into a pooled
/// <see cref="JsonDocument"/> rather than streamed; the output side is written with <see cref="Utf8JsonWriter"/>.
/// </summary>
internal sealed class OpenAIChatRequest : IDisposable
{
    private readonly JsonDocument _document;

    private OpenAIChatRequest(JsonDocument document, string kind)
    {
        _document = document;
        Kind = kind;
    }

    public JsonElement Root => _document.RootElement;

    public JsonElement Messages => Root.GetProperty("messages");

    /// <summary>The provider kind, for error messages.</summary>
    public string Kind { get; }

    /// <summary>The writer of one provider's request body.</summary>
    public delegate bool Writer(OpenAIChatRequest request, out CodecError error);

    /// <summary>
    /// Opens the body, checks the type of every parameter a writer reads (<see cref="ChatParameterTypes"/>) and runs
    /// <paramref name="write"/>. A body of the wrong shape (a message without role, content of an unexpected type, a tool
    /// call without function) is refused with a 400, never an exception.
    /// </summary>
    public static bool TryWrite(ReadOnlyMemory<byte> body, string kind, Writer write, out CodecError error)
    {
        if (!TryOpen(body, kind, out var request, out error))
        {
            return false;
        }

        using (request)
        {
            if (!ChatParameterTypes.TryCheck(request!.Root, out error))
            {
                return false;
            }

            try
            {
                return write(request!, out error);
            }
            catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException or JsonException or FormatException)
            {
                error = new CodecError(400, "The request does not have the shape of an OpenAI chat-completions request: " + ex.Message, null, "invalid_request");
                return false;
            }
        }
    }

    public static bool TryOpen(ReadOnlyMemory<byte> body, string kind, out OpenAIChatRequest? request, out CodecError error)
    {
        request = null;
        error = default;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, RequestJson.DocumentOptions);
        }
        catch (JsonException ex)
        {
            error = new CodecError(400, JsonSyntaxError.Describe(body.Span, ex), null, "invalid_json");
            return false;
        }

        var messages = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("messages", out var m) ? m : default;
        if (messages.ValueKind != JsonValueKind.Array)
        {
            error = CodecError.BadRequest(messages.ValueKind == JsonValueKind.Undefined
                ? ParameterErrors.Missing("messages")
                : ParameterErrors.WrongType("messages", "an array", messages.ValueKind, default));
            document.Dispose();
            return false;
        }

        request = new OpenAIChatRequest(document, kind);
        return true;
    }

    /// <summary>
    /// <c>max_completion_tokens</c>, else <c>max_tokens</c>, else null. Both were checked (<see cref="ChatParameterTypes"/>):
    /// a number here is whole and within an int's range, though perhaps written <c>100.0</c> or <c>1e3</c>.
    /// </summary>
    public int? MaxTokens =>
        Root.TryGetProperty("max_completion_tokens", out var a) && a.ValueKind == JsonValueKind.Number ? (int)a.GetDouble()
        : Root.TryGetProperty("max_tokens", out var b) && b.ValueKind == JsonValueKind.Number ? (int)b.GetDouble()
        : null;

    /// <summary>The error for a parameter this provider cannot honour.</summary>
    public CodecError Unsupported(string param, string? detail = null) => new(
        400,
        $"The parameter '{param}' is not supported for this model (provider kind '{Kind}')" + (detail is null ? "." : ": " + detail),
        param,
        "unsupported_parameter");

    /// <summary>A value the provider cannot take.</summary>
    public static CodecError Invalid(string param, string message) => new(400, message, param, "invalid_value");

    /// <summary>
    /// True when an unsupported parameter carries a value that asks for nothing (null, false, n=1, zero penalties,
    /// parallel tool calls allowed, empty objects), so accepting it without forwarding changes no output.
    /// </summary>
    public static bool IsNeutral(JsonProperty property)
    {
        var value = property.Value;
        return value.ValueKind switch
        {
            JsonValueKind.Null => true,
            JsonValueKind.False => !property.NameEquals("parallel_tool_calls"),
            JsonValueKind.True => property.NameEquals("parallel_tool_calls"),
            JsonValueKind.Number => value.TryGetDouble(out var number) && number == (property.NameEquals("n") ? 1 : 0),
            JsonValueKind.Object => !value.EnumerateObject().Any(),
            JsonValueKind.Array => value.GetArrayLength() == 0,
            _ => false,
        };
    }

    /// <summary>Parameters that only concern OpenAI's own platform (storage, billing tier, caching hints) and never change the output.</summary>
    public static bool IsPlatformOnly(string name) => name is "store" or "metadata" or "service_tier" or "prompt_cache_key" or "safety_identifier" or "stream_options";

    /// <summary>The text of a message's <c>content</c> when it is a string or an array of text parts.</summary>
    public static string? TextOf(JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString();
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var text = new System.Text.StringBuilder();
        foreach (var part in content.EnumerateArray())
        {
            if (part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            {
                text.Append(t.GetString());
            }
        }

        return text.ToString();
    }

    /// <summary>Splits a <c>data:</c> URL into its media type and base64 payload.</summary>
    public static bool TryParseDataUrl(string url, out string mediaType, out string data)
    {
        mediaType = data = "";
        if (!url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var comma = url.IndexOf(',', StringComparison.Ordinal);
        var marker = url.IndexOf(";base64", StringComparison.OrdinalIgnoreCase);
        if (comma < 0 || marker < 0 || marker > comma)
        {
            return false;
        }

        mediaType = url[5..marker];
        data = url[(comma + 1)..];
        return true;
    }

    /// <summary>
    /// For providers that take a JSON schema and nothing else: the <c>json_schema</c> of <c>response_format</c> and its
    /// <paramref name="schema"/> (undefined when the format is absent or <c>text</c>); false refusing any other format.
    /// </summary>
    public bool TryReadJsonSchemaFormat(string provider, out JsonElement spec, out JsonElement schema, out CodecError error)
    {
        spec = schema = default;
        error = default;
        if (!Root.TryGetProperty("response_format", out var format) || format.ValueKind != JsonValueKind.Object)
        {
            return true;
        }

        var type = format.TryGetProperty("type", out var t) ? t.GetString() : null;
        if (type == "text" || (type == "json_schema" && format.TryGetProperty("json_schema", out spec) && spec.TryGetProperty("schema", out schema)))
        {
            return true;
        }

        error = Unsupported("response_format", $"{provider} models take response_format 'json_schema' (with a schema) or 'text', not '{type}'.");
        return false;
    }

    /// <summary>Writes <c>stop</c> (a string or an array of strings) as an array property.</summary>
    public static void WriteStopArray(Utf8JsonWriter json, ReadOnlySpan<byte> name, JsonElement stop)
    {
        json.WriteStartArray(name);
        if (stop.ValueKind == JsonValueKind.String)
        {
            json.WriteStringValue(stop.GetString());
        }
        else
        {
            foreach (var s in stop.EnumerateArray())
            {
                json.WriteStringValue(s.GetString());
            }
        }

        json.WriteEndArray();
    }

    /// <summary>Writes a tool call's <c>arguments</c> string as the JSON object it encodes (empty means <c>{}</c>).</summary>
    public static bool TryWriteArgumentsObject(Utf8JsonWriter json, JsonElement arguments)
    {
        var text = arguments.ValueKind == JsonValueKind.String ? arguments.GetString() : null;
        if (string.IsNullOrWhiteSpace(text))
        {
            json.WriteStartObject();
            json.WriteEndObject();
            return true;
        }

        try
        {
            using var parsed = JsonDocument.Parse(text, RequestJson.DocumentOptions);
            if (parsed.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            parsed.RootElement.WriteTo(json);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Accepts the parameters the writer translates (<paramref name="isTranslated"/>), OpenAI-platform-only ones and
    /// neutral values; anything else is refused with a 400 naming it (<paramref name="explain"/> adds why).
    /// </summary>
    public bool TryCheckParameters(Func<string, bool> isTranslated, Func<string, string?> explain, out CodecError error)
    {
        error = default;
        foreach (var property in Root.EnumerateObject())
        {
            if (isTranslated(property.Name) || IsPlatformOnly(property.Name) || IsNeutral(property))
            {
                continue;
            }

            error = Unsupported(property.Name, explain(property.Name));
            return false;
        }

        return true;
    }

    /// <summary>Parameters every codec translates (each provider adds its own).</summary>
    public static bool IsCommonParameter(string name) => name is "model" or "messages" or "stream" or "max_tokens" or "max_completion_tokens"
        or "temperature" or "top_p" or "stop" or "user" or "tools" or "tool_choice" or "functions" or "function_call"
        or "response_format" or "reasoning_effort";

    /// <summary>Why a provider cannot take a commonly refused parameter, for the 400 message.</summary>
    public static string? WhyUnsupported(string name, string provider) => name switch
    {
        "n" => $"{provider} returns one choice per request.",
        "logprobs" or "top_logprobs" => $"log probabilities are not translated for {provider}.",
        "parallel_tool_calls" => $"{provider} cannot be limited to one tool call per turn.",
        "seed" => $"{provider} has no sampling seed.",
        _ => null,
    };

    /// <summary>The texts of system and developer messages, in order (providers take them apart from the turns).</summary>
    public List<string> SystemTexts()
    {
        var texts = new List<string>();
        foreach (var message in Messages.EnumerateArray())
        {
            if (message.TryGetProperty("role", out var role) && (role.ValueEquals("system") || role.ValueEquals("developer"))
                && message.TryGetProperty("content", out var content) && TextOf(content) is { } text)
            {
                texts.Add(text);
            }
        }

        return texts;
    }

    /// <summary>Writes an assistant tool call's arguments as a JSON object; false with an error when they are not one.</summary>
    public static bool TryWriteCallArguments(Utf8JsonWriter json, JsonElement function, out CodecError error)
    {
        error = default;
        if (TryWriteArgumentsObject(json, function.TryGetProperty("arguments", out var arguments) ? arguments : default))
        {
            return true;
        }

        error = Invalid("messages", "A tool call's arguments are not a JSON object.");
        return false;
    }

    /// <summary>Finds the function name of an earlier assistant tool call by its id.</summary>
    public string? ToolCallName(string? toolCallId)
    {
        foreach (var message in Messages.EnumerateArray())
        {
            if (!message.TryGetProperty("tool_calls", out var calls) || calls.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var call in calls.EnumerateArray())
            {
                if (call.TryGetProperty("id", out var id) && id.ValueEquals(toolCallId)
                    && call.TryGetProperty("function", out var function) && function.TryGetProperty("name", out var name))
                {
                    return name.GetString();
                }
            }
        }

        return null;
    }

    public void Dispose() => _document.Dispose();
}
