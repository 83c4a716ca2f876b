using System.Text.Json;
using MassRouter.Gateway.Transforms.Providers;

namespace MassRouter.Gateway.Transforms.Translation;

/// <summary>Reads OpenAI tool definitions and tool choice (current and legacy <c>functions</c> forms).</summary>
internal static class ToolDefinitions
{
    /// <summary>True when the request defines tools; false with <paramref name="error"/> set when one is not a function.</summary>
    public static bool TryCollect(OpenAIChatRequest request, out List<ToolDefinition> tools, out CodecError error)
    {
        tools = [];
        error = default;
        var root = request.Root;
        if (root.TryGetProperty("tools", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var tool in list.EnumerateArray())
            {
                var type = tool.TryGetProperty("type", out var t) ? t.GetString() : "function";
                if (type != "function" || !tool.TryGetProperty("function", out var function))
                {
                    error = request.Unsupported("tools", $"only tools of type 'function' can be translated, not '{type}'.");
                    return false;
                }

                tools.Add(Read(function));
            }
        }

        if (root.TryGetProperty("functions", out var legacy) && legacy.ValueKind == JsonValueKind.Array)
        {
            foreach (var function in legacy.EnumerateArray())
            {
                tools.Add(Read(function));
            }
        }

        return tools.Count > 0;
    }

    /// <summary>
    /// The tools (none when the request defines none) and the tool choice, checked against each other: false with
    /// <paramref name="error"/> for a tool that is not a function, an unknown choice, or a named tool not among the tools.
    /// </summary>
    public static bool TryRead(OpenAIChatRequest request, out List<ToolDefinition> tools, out ToolChoice choice, out string? named, out CodecError error)
    {
        choice = ToolChoice.Unspecified;
        named = null;
        if ((!TryCollect(request, out tools, out error) && error.Status != 0) || !TryReadChoice(request, out choice, out named, out error))
        {
            return false;
        }

        var name = named;
        if (choice == ToolChoice.Named && !tools.Exists(t => t.Name == name))
        {
            error = OpenAIChatRequest.Invalid("tool_choice", $"tool_choice names '{named}', which is not among the tools.");
            return false;
        }

        return true;
    }

    private static ToolDefinition Read(JsonElement function) => new(
        function.GetProperty("name").GetString() ?? "",
        function.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null,
        function.TryGetProperty("parameters", out var p) ? p : default,
        function.TryGetProperty("strict", out var s) && s.ValueKind == JsonValueKind.True);

    /// <summary>Writes a function's parameter schema; a function without one takes no arguments.</summary>
    public static void WriteParameters(Utf8JsonWriter json, JsonElement parameters)
    {
        if (parameters.ValueKind == JsonValueKind.Object)
        {
            parameters.WriteTo(json);
            return;
        }

        json.WriteStartObject();
        json.WriteString("type"u8, "object"u8);
        json.WriteStartObject("properties"u8);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>Reads <c>tool_choice</c> (or legacy <c>function_call</c>).</summary>
    public static bool TryReadChoice(OpenAIChatRequest request, out ToolChoice choice, out string? name, out CodecError error)
    {
        choice = ToolChoice.Unspecified;
        name = null;
        error = default;
        var root = request.Root;
        if (!root.TryGetProperty("tool_choice", out var value) && !root.TryGetProperty("function_call", out value))
        {
            return true;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return true;
            case JsonValueKind.String:
                choice = value.GetString() switch
                {
                    "auto" => ToolChoice.Auto,
                    "none" => ToolChoice.None,
                    "required" => ToolChoice.Required,
                    _ => ToolChoice.Unspecified,
                };
                if (choice == ToolChoice.Unspecified)
                {
                    error = OpenAIChatRequest.Invalid("tool_choice", $"Unknown tool_choice '{value.GetString()}' (use auto, none, required or a named function).");
                    return false;
                }

                return true;
            case JsonValueKind.Object:
                var function = value.TryGetProperty("function", out var f) ? f : value;
                if (function.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String)
                {
                    choice = ToolChoice.Named;
                    name = n.GetString();
                    return true;
                }

                break;
        }

        error = OpenAIChatRequest.Invalid("tool_choice", "tool_choice must be auto, none, required or {\"type\":\"function\",\"function\":{\"name\":...}}.");
        return false;
    }
}
