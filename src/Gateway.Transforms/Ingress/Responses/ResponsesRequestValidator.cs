using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using MassRouter.Gateway.Transforms.OpenAI;

namespace MassRouter.Gateway.Transforms.Ingress.Responses;

/// <summary>
/// Checks a Responses request before <see cref="ResponsesRequestTranslator"/> writes anything, so the writer never meets a
/// value it cannot copy. A parameter of the wrong type is refused in OpenAI's words (<c>Invalid type for 'input[2].output':
/// expected a string or an array, but got an integer instead.</c>), never dropped as if it had not been sent; what a
/// stateless gateway over chat completions cannot serve (stored responses, hosted tools, stored files) is refused naming
/// the parameter, never ignored. Null stands for "not sent", as for OpenAI.
/// </summary>
/// <remarks>
/// Codes: <c>invalid_type</c>, <c>missing_required_parameter</c> and <c>invalid_value</c> where OpenAI itself would refuse the
/// request; <c>unsupported_parameter</c> for what OpenAI serves but this gateway cannot.
/// </remarks>
internal static class ResponsesRequestValidator
{
    private const string Integer = "an integer";
    private const string Decimal = "a decimal";
    private const string Boolean = "a boolean";
    private const string Text = "a string";
    private const string Object = "an object";
    private const string StringOrArray = "a string or an array";

    /// <summary>The path of a first pass, which builds none (see <see cref="TryValidate"/>).</summary>
    private const string NoPath = "";

    private const string NothingStored = "Send the whole conversation as input (store: false).";

    /// <summary>False with the error of the first parameter the translator cannot take.</summary>
    public static bool TryValidate(JsonElement root, out ResponsesRequestError error)
    {
        // Paths are only for the error: a first pass finds whether anything is wrong without building one per item, part
        // and tool (NoPath), and only a refused request is read again to name the parameter. A coding agent's request
        // carries its whole history: hundreds of items.
        if (Find(root, paths: false) is null)
        {
            error = default;
            return true;
        }

        error = Find(root, paths: true)!.Value;
        return false;
    }

    private static ResponsesRequestError? Find(JsonElement root, bool paths)
    {
        foreach (var property in root.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            var name = property.Name;
            var at = paths ? name : NoPath;
            var found = name switch
            {
                "model" or "instructions" or "user" or "service_tier" or "prompt_cache_key" or "safety_identifier" or "truncation" =>
                    Expect(name, value, JsonValueKind.String, Text),
                "input" => value.ValueKind == JsonValueKind.String ? null
                    : value.ValueKind == JsonValueKind.Array ? CheckList(at, value, static (item, path) => CheckObject(path, item, CheckItem))
                    : WrongType(name, StringOrArray, value),
                "tools" => CheckList(at, value, static (tool, path) => CheckObject(path, tool, CheckTool)),
                "tool_choice" => value.ValueKind == JsonValueKind.String ? CheckToolChoiceMode(name, value)
                    : value.ValueKind == JsonValueKind.Object ? CheckToolChoice(value, at)
                    : WrongType(name, "a string or an object", value),
                "parallel_tool_calls" or "stream" => Expect(name, value, JsonValueKind.True, Boolean),
                "temperature" or "top_p" => CheckDecimal(name, value),
                "max_output_tokens" => CheckInteger(name, value, 1, int.MaxValue),
                "metadata" => Expect(name, value, JsonValueKind.Object, Object),
                "reasoning" => CheckObject(at, value, static (reasoning, path) =>
                    Optional(reasoning, "effort", path, JsonValueKind.String, Text) ?? Optional(reasoning, "summary", path, JsonValueKind.String, Text)),
                "text" => CheckObject(at, value, CheckText),

                // The gateway keeps no state between requests: whatever refers to an earlier one cannot be served.
                "previous_response_id" => Unsupported(name, "The gateway does not store responses: 'previous_response_id' is not supported. " + NothingStored),
                "conversation" => Unsupported(name, "The gateway does not store conversations: 'conversation' is not supported. " + NothingStored),
                "prompt" => Unsupported(name, "The gateway does not store prompts: 'prompt' (a stored prompt template) is not supported. Send the instructions and input themselves."),
                "background" => Expect(name, value, JsonValueKind.True, Boolean)
                    ?? (value.ValueKind == JsonValueKind.True
                        ? Unsupported(name, "'background' is served only by a provider serving OpenAI's Responses API itself, which keeps the response while it is generated: the model's deployments answer through chat completions. Send the request without it, with stream: true for a long answer.")
                        : null),
                _ => null,
            };
            if (found is not null)
            {
                return found;
            }
        }

        if (!root.TryGetProperty("model"u8, out var model) || model.ValueKind == JsonValueKind.Null || model.ValueEquals(""u8))
        {
            return Missing("model");
        }

        // Optional for OpenAI, which can take the conversation from a stored response or prompt; the gateway has neither.
        return root.TryGetProperty("input"u8, out var input) && input.ValueKind != JsonValueKind.Null ? null : Missing("input");
    }

    /// <summary>An input item: a message (with or without a type), a function call or its output, or a skipped reasoning item.</summary>
    private static ResponsesRequestError? CheckItem(JsonElement item, string path)
    {
        if (Optional(item, "type", path, JsonValueKind.String, Text) is { } wrong)
        {
            return wrong;
        }

        if (!item.TryGetProperty("type"u8, out var type) || type.ValueKind == JsonValueKind.Null || type.ValueEquals("message"u8))
        {
            return CheckMessage(item, path);
        }

        if (type.ValueEquals("function_call"u8))
        {
            return Required(item, "call_id", path, JsonValueKind.String, Text)
                ?? Required(item, "name", path, JsonValueKind.String, Text)
                ?? Optional(item, "namespace", path, JsonValueKind.String, Text)
                ?? Required(item, "arguments", path, JsonValueKind.String, Text);
        }

        if (type.ValueEquals("function_call_output"u8))
        {
            return Required(item, "call_id", path, JsonValueKind.String, Text) ?? CheckOutput(item, path);
        }

        if (type.ValueEquals("reasoning"u8))
        {
            return null;
        }

        return type.ValueEquals("item_reference"u8)
            ? Unsupported(Member(path, "type"), "The gateway does not store responses: 'item_reference' input items are not supported. Send the referenced items themselves.")
            : Unsupported(
                Member(path, "type"),
                $"Input item type '{type.GetString()}' is not supported through this gateway: only 'message', 'function_call', 'function_call_output' and 'reasoning' items are.");
    }

    private static ResponsesRequestError? CheckMessage(JsonElement item, string path)
    {
        if (Required(item, "role", path, JsonValueKind.String, Text) is { } wrong)
        {
            return wrong;
        }

        var role = item.GetProperty("role"u8);
        var assistant = role.ValueEquals("assistant"u8);
        if (!assistant && !role.ValueEquals("user"u8) && !role.ValueEquals("system"u8) && !role.ValueEquals("developer"u8))
        {
            return InvalidValue(Member(path, "role"), role, "'user', 'assistant', 'system', and 'developer'");
        }

        if (!item.TryGetProperty("content"u8, out var content))
        {
            return Missing(Member(path, "content"));
        }

        return content.ValueKind switch
        {
            JsonValueKind.String => null,
            JsonValueKind.Array when assistant => CheckList(Member(path, "content"), content, static (part, at) => CheckObject(at, part, CheckAssistantPart)),
            JsonValueKind.Array => CheckList(Member(path, "content"), content, static (part, at) => CheckObject(at, part, CheckPart)),
            _ => WrongType(Member(path, "content"), StringOrArray, content),
        };
    }

    private static ResponsesRequestError? CheckAssistantPart(JsonElement part, string path) => CheckPart(part, path, assistant: true);

    private static ResponsesRequestError? CheckPart(JsonElement part, string path) => CheckPart(part, path, assistant: false);

    private static ResponsesRequestError? CheckPart(JsonElement part, string path, bool assistant)
    {
        if (Required(part, "type", path, JsonValueKind.String, Text) is { } wrong)
        {
            return wrong;
        }

        var type = part.GetProperty("type"u8);
        if (type.ValueEquals("input_text"u8) || type.ValueEquals("output_text"u8))
        {
            return Required(part, "text", path, JsonValueKind.String, Text);
        }

        if (type.ValueEquals("refusal"u8))
        {
            return Required(part, "refusal", path, JsonValueKind.String, Text);
        }

        var image = type.ValueEquals("input_image"u8);
        if (!image && !type.ValueEquals("input_file"u8))
        {
            return InvalidValue(Member(path, "type"), type, "'input_text', 'input_image', 'input_file', 'output_text', and 'refusal'");
        }

        if (assistant)
        {
            // A chat assistant message holds text and tool calls only.
            return new ResponsesRequestError(
                $"Invalid value: '{type.GetString()}'. Assistant messages can only hold text ('output_text' and 'refusal' parts).",
                Member(path, "type"),
                "invalid_value");
        }

        return image ? CheckImage(part, path) : CheckFile(part, path);
    }

    private static ResponsesRequestError? CheckImage(JsonElement part, string path) =>
        Optional(part, "image_url", path, JsonValueKind.String, Text)
        ?? Optional(part, "detail", path, JsonValueKind.String, Text)
        ?? Optional(part, "file_id", path, JsonValueKind.String, Text)
        ?? (IsSent(part, "image_url"u8) ? null
            : IsSent(part, "file_id"u8) ? Unsupported(
                Member(path, "file_id"),
                "The gateway stores no files: images by 'file_id' are not supported. Send the image as 'image_url' (a URL or a base64 data URL).")
            : Missing(Member(path, "image_url")));

    private static ResponsesRequestError? CheckFile(JsonElement part, string path) =>
        Optional(part, "file_data", path, JsonValueKind.String, Text)
        ?? Optional(part, "filename", path, JsonValueKind.String, Text)
        ?? Optional(part, "file_id", path, JsonValueKind.String, Text)
        ?? Optional(part, "file_url", path, JsonValueKind.String, Text)
        ?? (IsSent(part, "file_data"u8) ? null
            : IsSent(part, "file_id"u8) ? Unsupported(
                Member(path, "file_id"),
                "The gateway stores no files: files by 'file_id' are not supported. Send the file's content as 'file_data' (a base64 data URL) with its 'filename'.")
            : IsSent(part, "file_url"u8) ? Unsupported(
                Member(path, "file_url"),
                "Files by 'file_url' are not supported through this gateway: chat completions take a file's content only. Send it as 'file_data' (a base64 data URL) with its 'filename'.")
            : Missing(Member(path, "file_data")));

    /// <summary>A function call's output: a string, or text parts (a chat tool message carries text only).</summary>
    private static ResponsesRequestError? CheckOutput(JsonElement item, string path)
    {
        if (!item.TryGetProperty("output"u8, out var output))
        {
            return Missing(Member(path, "output"));
        }

        return output.ValueKind switch
        {
            JsonValueKind.String => null,
            JsonValueKind.Array => CheckList(Member(path, "output"), output, static (part, at) => CheckObject(at, part, CheckOutputPart)),
            _ => WrongType(Member(path, "output"), StringOrArray, output),
        };
    }

    private static ResponsesRequestError? CheckOutputPart(JsonElement part, string path)
    {
        if (Required(part, "type", path, JsonValueKind.String, Text) is { } wrong)
        {
            return wrong;
        }

        var type = part.GetProperty("type"u8);
        if (type.ValueEquals("input_text"u8))
        {
            return Required(part, "text", path, JsonValueKind.String, Text);
        }

        return type.ValueEquals("input_image"u8) || type.ValueEquals("input_file"u8)
            ? Unsupported(Member(path, "type"), "Images and files in function call outputs are not supported through this gateway: chat tool messages carry text only.")
            : InvalidValue(Member(path, "type"), type, "'input_text', 'input_image', and 'input_file'");
    }

    private static ResponsesRequestError? CheckTool(JsonElement tool, string path)
    {
        if (Required(tool, "type", path, JsonValueKind.String, Text) is { } wrong)
        {
            return wrong;
        }

        var type = tool.GetProperty("type"u8);
        if (type.ValueEquals("namespace"u8))
        {
            return Required(tool, "name", path, JsonValueKind.String, Text)
                ?? Optional(tool, "description", path, JsonValueKind.String, Text)
                ?? Required(tool, "tools", path, JsonValueKind.Array, "an array")
                ?? CheckList(Member(path, "tools"), tool.GetProperty("tools"u8), static (t, p) => CheckObject(p, t, CheckNamespacedTool));
        }

        // Custom tools take free-form text, which chat function calls cannot carry.
        if (type.ValueEquals("custom"u8))
        {
            return Unsupported(Member(path, "type"), "Tool type 'custom' is not supported through this gateway: only 'function' (and 'namespace') tools are.");
        }

        // Hosted tools (web_search, file_search, code_interpreter, mcp, ...) run on OpenAI's side and no chat provider has
        // them: left out of the request (the model answers without them, as agents that offer one by default expect);
        // a tool_choice forcing one is refused.
        return type.ValueEquals("function"u8) ? CheckFunctionTool(tool, path) : null;
    }

    private static ResponsesRequestError? CheckNamespacedTool(JsonElement tool, string path) =>
        Required(tool, "type", path, JsonValueKind.String, Text)
        ?? (tool.GetProperty("type"u8).ValueEquals("function"u8)
            ? CheckFunctionTool(tool, path)
            : Unsupported(Member(path, "type"), $"Tool type '{tool.GetProperty("type"u8).GetString()}' in a namespace is not supported through this gateway: only 'function' tools are."));

    private static ResponsesRequestError? CheckFunctionTool(JsonElement tool, string path)
    {
        return Required(tool, "name", path, JsonValueKind.String, Text)
            ?? Optional(tool, "description", path, JsonValueKind.String, Text)
            ?? Optional(tool, "parameters", path, JsonValueKind.Object, Object)
            ?? Optional(tool, "strict", path, JsonValueKind.True, Boolean);
    }

    private static ResponsesRequestError? CheckToolChoiceMode(string param, JsonElement mode) =>
        mode.ValueEquals("auto"u8) || mode.ValueEquals("none"u8) || mode.ValueEquals("required"u8)
            ? null
            : InvalidValue(param, mode, "'none', 'auto', and 'required'");

    private static ResponsesRequestError? CheckToolChoice(JsonElement choice, string path)
    {
        if (Required(choice, "type", path, JsonValueKind.String, Text) is { } wrong)
        {
            return wrong;
        }

        var type = choice.GetProperty("type"u8);
        return type.ValueEquals("function"u8)
            ? Required(choice, "name", path, JsonValueKind.String, Text)
            : Unsupported(
                Member(path, "type"),
                $"Tool choice type '{type.GetString()}' is not supported through this gateway: only 'function' (or the modes 'none', 'auto' and 'required') is.");
    }

    private static ResponsesRequestError? CheckText(JsonElement text, string path) =>
        Optional(text, "verbosity", path, JsonValueKind.String, Text)
        ?? (text.TryGetProperty("format"u8, out var format) && format.ValueKind != JsonValueKind.Null
            ? CheckObject(Member(path, "format"), format, CheckFormat)
            : null);

    private static ResponsesRequestError? CheckFormat(JsonElement format, string path)
    {
        if (Required(format, "type", path, JsonValueKind.String, Text) is { } wrong)
        {
            return wrong;
        }

        var type = format.GetProperty("type"u8);
        if (type.ValueEquals("text"u8) || type.ValueEquals("json_object"u8))
        {
            return null;
        }

        return type.ValueEquals("json_schema"u8)
            ? Required(format, "name", path, JsonValueKind.String, Text)
                ?? Required(format, "schema", path, JsonValueKind.Object, Object)
                ?? Optional(format, "strict", path, JsonValueKind.True, Boolean)
                ?? Optional(format, "description", path, JsonValueKind.String, Text)
            : InvalidValue(Member(path, "type"), type, "'text', 'json_object', and 'json_schema'");
    }

    private static ResponsesRequestError? CheckInteger(string param, JsonElement value, long min, long max)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            return WrongType(param, Integer, value);
        }

        return ParameterErrors.TryReadInteger(param, JsonMarshal.GetRawUtf8Value(value), min, max, out _, out var error) ? null : From(error);
    }

    private static ResponsesRequestError? CheckDecimal(string param, JsonElement value) =>
        Expect(param, value, JsonValueKind.Number, Decimal)
        ?? (ParameterErrors.TryReadDecimal(param, JsonMarshal.GetRawUtf8Value(value), out var error) ? null : From(error));

    private static ResponsesRequestError? CheckList(string path, JsonElement value, Func<JsonElement, string, ResponsesRequestError?> check)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            return WrongType(path, "an array", value);
        }

        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (check(item, Index(path, index++)) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    private static ResponsesRequestError? CheckObject(string path, JsonElement value, Func<JsonElement, string, ResponsesRequestError?> check) =>
        value.ValueKind == JsonValueKind.Object ? check(value, path) : WrongType(path, Object, value);

    /// <summary>A property that may be absent or null, else must be of <paramref name="kind"/> (True: either boolean).</summary>
    private static ResponsesRequestError? Optional(JsonElement parent, string name, string path, JsonValueKind kind, string expected) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? Expect(Member(path, name), value, kind, expected) : null;

    /// <summary>A property that must be present and of <paramref name="kind"/>: null is refused as a value of the wrong type.</summary>
    private static ResponsesRequestError? Required(JsonElement parent, string name, string path, JsonValueKind kind, string expected) =>
        parent.TryGetProperty(name, out var value) ? Expect(Member(path, name), value, kind, expected) : Missing(Member(path, name));

    /// <summary>Null when <paramref name="value"/> is of <paramref name="kind"/> (<see cref="JsonValueKind.True"/> stands for either boolean).</summary>
    private static ResponsesRequestError? Expect(string param, JsonElement value, JsonValueKind kind, string expected) =>
        value.ValueKind == kind || (kind == JsonValueKind.True && value.ValueKind == JsonValueKind.False) ? null : WrongType(param, expected, value);

    private static bool IsSent(JsonElement parent, ReadOnlySpan<byte> name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    private static ResponsesRequestError WrongType(string param, string expected, JsonElement value) =>
        From(ParameterErrors.WrongType(param, expected, value.ValueKind, value.ValueKind == JsonValueKind.Number ? JsonMarshal.GetRawUtf8Value(value) : default));

    private static ResponsesRequestError Missing(string param) => From(ParameterErrors.Missing(param));

    /// <summary>A string value OpenAI does not take, in OpenAI's words (<c>Invalid value: 'tool'. Supported values are: ...</c>).</summary>
    private static ResponsesRequestError InvalidValue(string param, JsonElement value, string supported) =>
        new($"Invalid value: '{value.GetString()}'. Supported values are: {supported}.", param, "invalid_value");

    private static ResponsesRequestError Unsupported(string param, string message) => new(message, param, "unsupported_parameter");

    private static ResponsesRequestError From(RequestError error) => new(error.Message!, error.Param, error.Code!);

    private static string Member(string path, string name) => path.Length == 0 ? NoPath : path + "." + name;

    private static string Index(string path, int index) =>
        path.Length == 0 ? NoPath : string.Create(CultureInfo.InvariantCulture, $"{path}[{index}]");
}
