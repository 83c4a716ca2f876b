using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Ingress.Anthropic;

/// <summary>
/// Checks the type of every Messages parameter <see cref="AnthropicRequestTranslator"/> reads, before it writes anything: a
/// value of the wrong type (<c>"temperature":"hot"</c>) is refused in Anthropic's words (<c>temperature: Input should be a
/// valid number</c>, the field by its dotted path), never dropped as if it had not been sent. Null stands for "not sent".
/// </summary>
internal static class AnthropicParameterTypes
{
    private const string Integer = "a valid integer";
    private const string Number = "a valid number";
    private const string Boolean = "a valid boolean";
    private const string Text = "a valid string";
    private const string List = "a valid list";
    private const string Dictionary = "a valid dictionary";

    /// <summary>The path of a first pass, which builds none (see <see cref="TryCheck"/>).</summary>
    private const string NoPath = "";

    private static readonly Allowed ThinkingTypes = new(["enabled", "disabled", "adaptive"], "'enabled', 'disabled' or 'adaptive'");
    private static readonly Allowed Efforts = new(["low", "medium", "high", "xhigh", "max"], "'low', 'medium', 'high', 'xhigh' or 'max'");
    private static readonly Allowed FormatTypes = new(["json_schema"], "'json_schema'");

    /// <summary>False with the error of the first parameter of the wrong type.</summary>
    public static bool TryCheck(JsonElement root, out AnthropicRequestError error)
    {
        // Paths are only for the error: a first pass finds whether anything is wrong without building one per message and
        // block (NoPath), and only a refused request is read again to name the field.
        if (Find(root, paths: false) is null)
        {
            error = default;
            return true;
        }

        error = new AnthropicRequestError(Find(root, paths: true)!);
        return false;
    }

    private static string? Find(JsonElement root, bool paths)
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
            var message = name switch
            {
                "max_tokens" => CheckInteger(name, value, 1, int.MaxValue),
                "top_k" => CheckInteger(name, value, int.MinValue, int.MaxValue),
                "temperature" or "top_p" => Expect(name, value, JsonValueKind.Number, Number)
                    ?? (RequestJson.IsFinite(JsonMarshal.GetRawUtf8Value(value)) ? null : $"{name}: Input should be a finite number"),
                "stream" => ExpectBoolean(name, value),
                "stop_sequences" => CheckStrings(at, value),
                "system" => value.ValueKind == JsonValueKind.String ? null : CheckBlocks(at, value, "a valid string or a list of text blocks"),
                "metadata" => CheckObject(at, value, static (m, path) => Optional(m, "user_id", path, JsonValueKind.String, Text)),
                "thinking" => CheckObject(at, value, static (t, path) =>
                    Optional(t, "type", path, JsonValueKind.String, Text) ?? OneOf(t, "type", path, ThinkingTypes) ?? OptionalInteger(t, "budget_tokens", path)),
                "output_config" => CheckObject(at, value, CheckOutputConfig),
                "output_format" => CheckObject(at, value, CheckOutputFormat),
                "tools" => CheckList(at, value, static (tool, path) => CheckObject(path, tool, CheckTool)),
                "tool_choice" => CheckObject(at, value, CheckToolChoice),
                "messages" => CheckList(at, value, static (message, path) => CheckObject(path, message, CheckMessage)),
                _ => null,
            };
            if (message is not null)
            {
                return message;
            }
        }

        return null;
    }

    private static string? CheckTool(JsonElement tool, string path) =>
        Optional(tool, "type", path, JsonValueKind.String, Text)
        ?? Required(tool, "name", path, JsonValueKind.String, Text)
        ?? Optional(tool, "description", path, JsonValueKind.String, Text)
        ?? Optional(tool, "input_schema", path, JsonValueKind.Object, Dictionary)
        ?? OptionalBoolean(tool, "strict", path);

    private static string? CheckOutputConfig(JsonElement config, string path) =>
        Optional(config, "effort", path, JsonValueKind.String, Text)
        ?? OneOf(config, "effort", path, Efforts)
        ?? (config.TryGetProperty("format"u8, out var format) && format.ValueKind != JsonValueKind.Null
            ? CheckObject(Member(path, "format"), format, CheckOutputFormat)
            : null);

    /// <summary>A structured-output format: <c>{"type":"json_schema","schema":{...}}</c>, the one type there is.</summary>
    private static string? CheckOutputFormat(JsonElement format, string path) =>
        Required(format, "type", path, JsonValueKind.String, Text)
        ?? OneOf(format, "type", path, FormatTypes)
        ?? Required(format, "schema", path, JsonValueKind.Object, Dictionary);

    /// <summary>Null when <paramref name="name"/> is absent, null or one of <paramref name="allowed"/>'s values.</summary>
    private static string? OneOf(JsonElement parent, string name, string path, Allowed allowed)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        foreach (var candidate in allowed.Values)
        {
            if (value.ValueEquals(candidate))
            {
                return null;
            }
        }

        return $"{Member(path, name)}: Input should be {allowed.Description}";
    }

    private static string? CheckToolChoice(JsonElement choice, string path) =>
        Required(choice, "type", path, JsonValueKind.String, Text)
        ?? Optional(choice, "name", path, JsonValueKind.String, Text)
        ?? OptionalBoolean(choice, "disable_parallel_tool_use", path);

    private static string? CheckMessage(JsonElement message, string path)
    {
        if (Required(message, "role", path, JsonValueKind.String, Text) is { } role)
        {
            return role;
        }

        if (!message.TryGetProperty("content", out var content))
        {
            return Member(path, "content") + ": Field required";
        }

        return content.ValueKind == JsonValueKind.String ? null : CheckBlocks(Member(path, "content"), content, "a valid string or a list of content blocks");
    }

    /// <summary>A list of content blocks, each checked for the fields the translator reads of its type.</summary>
    private static string? CheckBlocks(string path, JsonElement blocks, string expected) =>
        blocks.ValueKind != JsonValueKind.Array ? WrongType(path, expected) : CheckList(path, blocks, static (block, at) => CheckObject(at, block, CheckBlock));

    private static string? CheckBlock(JsonElement block, string path) =>
        Optional(block, "type", path, JsonValueKind.String, Text)
        ?? Optional(block, "text", path, JsonValueKind.String, Text)
        ?? Optional(block, "id", path, JsonValueKind.String, Text)
        ?? Optional(block, "name", path, JsonValueKind.String, Text)
        ?? Optional(block, "input", path, JsonValueKind.Object, Dictionary)
        ?? Optional(block, "tool_use_id", path, JsonValueKind.String, Text)
        ?? OptionalBoolean(block, "is_error", path)
        ?? (block.TryGetProperty("content"u8, out var content) && content.ValueKind is not (JsonValueKind.String or JsonValueKind.Null)
            ? CheckBlocks(Member(path, "content"), content, "a valid string or a list of content blocks")
            : null)
        ?? Optional(block, "source", path, JsonValueKind.Object, Dictionary);

    private static string? CheckInteger(string path, JsonElement value, long min, long max)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            return WrongType(path, Integer);
        }

        return RequestJson.ReadInteger(JsonMarshal.GetRawUtf8Value(value), min, max, out _) switch
        {
            JsonInteger.Integer => null,
            JsonInteger.Fraction => $"{path}: Input should be a valid integer, got a number with a fractional part",
            JsonInteger.TooLarge => string.Create(CultureInfo.InvariantCulture, $"{path}: Input should be less than or equal to {max}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{path}: Input should be greater than or equal to {min}"),
        };
    }

    private static string? CheckStrings(string path, JsonElement value) =>
        CheckList(path, value, static (item, at) => item.ValueKind == JsonValueKind.String ? null : WrongType(at, Text));

    private static string? CheckList(string path, JsonElement value, Func<JsonElement, string, string?> check)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            return WrongType(path, List);
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

    private static string? CheckObject(string path, JsonElement value, Func<JsonElement, string, string?> check) =>
        value.ValueKind == JsonValueKind.Object ? check(value, path) : WrongType(path, Dictionary);

    private static string? Optional(JsonElement parent, string name, string path, JsonValueKind kind, string expected) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null && value.ValueKind != kind ? WrongType(Member(path, name), expected) : null;

    private static string? OptionalBoolean(JsonElement parent, string name, string path) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.True or JsonValueKind.False)
            ? WrongType(Member(path, name), Boolean)
            : null;

    private static string? OptionalInteger(JsonElement parent, string name, string path) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? CheckInteger(Member(path, name), value, int.MinValue, int.MaxValue) : null;

    private static string? Required(JsonElement parent, string name, string path, JsonValueKind kind, string expected) =>
        !parent.TryGetProperty(name, out var value) ? Member(path, name) + ": Field required"
        : value.ValueKind != kind ? WrongType(Member(path, name), expected)
        : null;

    private static string? Expect(string path, JsonElement value, JsonValueKind kind, string expected) =>
        value.ValueKind == kind ? null : WrongType(path, expected);

    private static string? ExpectBoolean(string path, JsonElement value) =>
        value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : WrongType(path, Boolean);

    private static string WrongType(string path, string expected) => $"{path}: Input should be {expected}";

    private static string Member(string path, string name) => path.Length == 0 ? NoPath : path + "." + name;

    private static string Index(string path, int index) =>
        path.Length == 0 ? NoPath : string.Create(CultureInfo.InvariantCulture, $"{path}.{index}");

    /// <summary>The values a string parameter takes, and how an error lists them.</summary>
    private sealed record Allowed(string[] Values, string Description);
}
