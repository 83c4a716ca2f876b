using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;

namespace MassRouter.Gateway.Transforms.Translation;

/// <summary>
/// Checks the type of every chat-completions parameter the request writers read, before any is written: a value of the wrong
/// type (<c>"max_tokens":"abc"</c>), or an integer outside OpenAI's bounds (<c>"max_tokens":0</c>), is refused with the 400
/// OpenAI itself answers (<see cref="ParameterErrors"/>), never
/// dropped as if it had not been sent, nor left to an exception half-way through writing. Null stands for "not sent", as for
/// OpenAI. OpenAI-compatible passthrough needs none of this: its provider validates the body it is sent.
/// </summary>
internal static class ChatParameterTypes
{
    private const string Integer = "an integer";
    private const string Decimal = "a decimal";
    private const string Boolean = "a boolean";
    private const string Text = "a string";
    private const string Object = "an object";
    private const string Array = "an array";

    /// <summary>The path of a first pass, which builds none (see <see cref="TryCheck"/>).</summary>
    private const string NoPath = "";

    /// <summary>False with a 400 naming the first parameter (by its path, <c>tools[0].function.name</c>) of the wrong type.</summary>
    public static bool TryCheck(JsonElement root, out CodecError error)
    {
        // Paths are only for the error: a first pass finds whether anything is wrong without building one per message,
        // part and tool (NoPath), and only a refused request is read again to name the parameter.
        if (Find(root, paths: false) is null)
        {
            error = default;
            return true;
        }

        error = CodecError.BadRequest(Find(root, paths: true)!.Value);
        return false;
    }

    private static RequestError? Find(JsonElement root, bool paths)
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
                // OpenAI's own bounds, so a translated request is refused in the words OpenAI would use, not in the
                // provider's (or, worse, accepted: a provider may read max_tokens 0 as "no limit").
                "max_tokens" or "max_completion_tokens" => CheckInteger(name, value, 1, int.MaxValue),
                "n" => CheckInteger(name, value, 1, 128),
                "top_logprobs" => CheckInteger(name, value, 0, 20),
                "seed" => CheckInteger(name, value, long.MinValue, long.MaxValue),
                "temperature" or "top_p" or "presence_penalty" or "frequency_penalty" => CheckDecimal(name, value),
                "stream" or "logprobs" or "parallel_tool_calls" => Expect(name, value, JsonValueKind.True, Boolean),
                "user" or "reasoning_effort" => Expect(name, value, JsonValueKind.String, Text),
                "stop" => value.ValueKind == JsonValueKind.String ? null
                    : value.ValueKind == JsonValueKind.Array ? CheckList(at, value, static (item, path) => Expect(path, item, JsonValueKind.String, Text))
                    : WrongType(name, "a string or an array of strings", value),
                "messages" => CheckList(at, value, static (message, path) => CheckObject(path, message, CheckMessage)),
                "tools" => CheckList(at, value, static (tool, path) => CheckObject(path, tool, CheckTool)),
                "functions" => CheckList(at, value, static (function, path) => CheckObject(path, function, CheckFunction)),
                "tool_choice" or "function_call" => value.ValueKind == JsonValueKind.String ? null
                    : value.ValueKind == JsonValueKind.Object ? CheckToolChoice(value, at)
                    : WrongType(name, "a string or an object", value),
                "response_format" => CheckObject(at, value, CheckResponseFormat),
                _ => null,
            };
            if (found is not null)
            {
                return found;
            }
        }

        return null;
    }

    private static RequestError? CheckInteger(string param, JsonElement value, long min, long max)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            return WrongType(param, Integer, value);
        }

        return ParameterErrors.TryReadInteger(param, JsonMarshal.GetRawUtf8Value(value), min, max, out _, out var error) ? null : error;
    }

    private static RequestError? CheckDecimal(string param, JsonElement value) =>
        Expect(param, value, JsonValueKind.Number, Decimal)
        ?? (ParameterErrors.TryReadDecimal(param, JsonMarshal.GetRawUtf8Value(value), out var error) ? null : error);

    private static RequestError? CheckMessage(JsonElement message, string path) =>
        Required(message, "role", path)
        ?? (message.TryGetProperty("content", out var content) && content.ValueKind is not (JsonValueKind.String or JsonValueKind.Null)
            ? content.ValueKind == JsonValueKind.Array
                ? CheckList(Member(path, "content"), content, static (part, at) => CheckObject(at, part, CheckContentPart))
                : WrongType(Member(path, "content"), "a string or an array of content parts", content)
            : null)
        ?? Optional(message, "tool_call_id", path, JsonValueKind.String, Text)
        ?? Optional(message, "name", path, JsonValueKind.String, Text)
        ?? Optional(message, "tool_calls", path, JsonValueKind.Array, Array)
        ?? (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array
            ? CheckList(Member(path, "tool_calls"), calls, static (call, at) => CheckObject(at, call, CheckToolCall))
            : null);

    private static RequestError? CheckContentPart(JsonElement part, string path) =>
        Optional(part, "type", path, JsonValueKind.String, Text)
        ?? Optional(part, "text", path, JsonValueKind.String, Text)
        ?? Optional(part, "image_url", path, JsonValueKind.Object, Object)
        ?? (part.TryGetProperty("image_url", out var image) && image.ValueKind == JsonValueKind.Object ? Optional(image, "url", Member(path, "image_url"), JsonValueKind.String, Text) : null);

    private static RequestError? CheckToolCall(JsonElement call, string path) =>
        Optional(call, "id", path, JsonValueKind.String, Text)
        ?? Optional(call, "type", path, JsonValueKind.String, Text)
        ?? (call.TryGetProperty("function", out var function)
            ? CheckObject(Member(path, "function"), function, static (f, at) => Required(f, "name", at) ?? Optional(f, "arguments", at, JsonValueKind.String, Text))
            : ParameterErrors.Missing(Member(path, "function")));

    private static RequestError? CheckTool(JsonElement tool, string path) =>
        Optional(tool, "type", path, JsonValueKind.String, Text)
        ?? Optional(tool, "function", path, JsonValueKind.Object, Object)
        ?? (tool.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object ? CheckFunction(function, Member(path, "function")) : null);

    private static RequestError? CheckFunction(JsonElement function, string path) =>
        Required(function, "name", path)
        ?? Optional(function, "description", path, JsonValueKind.String, Text)
        ?? Optional(function, "parameters", path, JsonValueKind.Object, Object)
        ?? Optional(function, "strict", path, JsonValueKind.True, Boolean);

    // The legacy function_call names its function directly: {"name": ...}.
    private static RequestError? CheckToolChoice(JsonElement choice, string path) =>
        Optional(choice, "type", path, JsonValueKind.String, Text)
        ?? Optional(choice, "function", path, JsonValueKind.Object, Object)
        ?? (choice.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object ? Optional(function, "name", Member(path, "function"), JsonValueKind.String, Text) : null)
        ?? Optional(choice, "name", path, JsonValueKind.String, Text);

    private static RequestError? CheckResponseFormat(JsonElement format, string path) =>
        Required(format, "type", path)
        ?? Optional(format, "json_schema", path, JsonValueKind.Object, Object)
        ?? (format.TryGetProperty("json_schema", out var spec) && spec.ValueKind == JsonValueKind.Object ? Optional(spec, "schema", Member(path, "json_schema"), JsonValueKind.Object, Object) : null);

    private static RequestError? CheckList(string path, JsonElement value, Func<JsonElement, string, RequestError?> check)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            return WrongType(path, Array, value);
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

    private static RequestError? CheckObject(string path, JsonElement value, Func<JsonElement, string, RequestError?> check) =>
        value.ValueKind == JsonValueKind.Object ? check(value, path) : WrongType(path, Object, value);

    /// <summary>A property that may be absent or null, else must be of <paramref name="kind"/> (True: either boolean).</summary>
    private static RequestError? Optional(JsonElement parent, string name, string path, JsonValueKind kind, string expected) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? Expect(Member(path, name), value, kind, expected) : null;

    /// <summary>A string property that must be present.</summary>
    private static RequestError? Required(JsonElement parent, string name, string path) =>
        parent.TryGetProperty(name, out var value) ? Expect(Member(path, name), value, JsonValueKind.String, Text) : ParameterErrors.Missing(Member(path, name));

    /// <summary>Null when <paramref name="value"/> is of <paramref name="kind"/> (<see cref="JsonValueKind.True"/> stands for either boolean).</summary>
    private static RequestError? Expect(string param, JsonElement value, JsonValueKind kind, string expected) =>
        value.ValueKind == kind || (kind == JsonValueKind.True && value.ValueKind == JsonValueKind.False) ? null : WrongType(param, expected, value);

    private static RequestError WrongType(string param, string expected, JsonElement value) =>
        ParameterErrors.WrongType(param, expected, value.ValueKind, value.ValueKind == JsonValueKind.Number ? JsonMarshal.GetRawUtf8Value(value) : default);

    private static string Member(string path, string name) => path.Length == 0 ? NoPath : path + "." + name;

    private static string Index(string path, int index) =>
        path.Length == 0 ? NoPath : string.Create(CultureInfo.InvariantCulture, $"{path}[{index}]");
}
