using System.Buffers;
using System.Text.Json;

namespace MassRouter.Simulator.Generation;

/// <summary>
/// A generated tool call: the tool's name and arguments with one string value per top-level property of its schema,
/// split into the argument fragments a stream carries.
/// </summary>
internal sealed class ToolCallPlan
{
    private const int FragmentBytes = 8;
    private const string ArgumentValue = "simulated";

    private ToolCallPlan(string name, byte[] arguments, bool fragmented)
    {
        Name = name;
        Arguments = arguments;
        Fragments = fragmented ? Split(arguments) : [arguments];
    }

    public string Name { get; }

    /// <summary>The complete arguments object as UTF-8 JSON.</summary>
    public byte[] Arguments { get; }

    /// <summary>Arguments split at UTF-8 character boundaries, never more than a few bytes each, as providers stream them.</summary>
    public ReadOnlyMemory<byte>[] Fragments { get; }

    public int Tokens => Math.Max(1, Arguments.Length / 4);

    /// <summary>
    /// Builds the call for the tool named <paramref name="name"/> whose JSON schema is <paramref name="schema"/>;
    /// <paramref name="fragmented"/> false for providers that send a call's arguments in one piece (Gemini).
    /// </summary>
    public static ToolCallPlan Create(string name, JsonElement? schema, bool fragmented = true)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (schema is { ValueKind: JsonValueKind.Object } s
                && s.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in properties.EnumerateObject())
                {
                    json.WriteString(property.Name, ArgumentValue);
                }
            }

            json.WriteEndObject();
        }

        return new ToolCallPlan(name, buffer.WrittenSpan.ToArray(), fragmented);
    }

    private static ReadOnlyMemory<byte>[] Split(byte[] arguments)
    {
        var fragments = new List<ReadOnlyMemory<byte>>();
        var start = 0;
        while (start < arguments.Length)
        {
            var end = Math.Min(arguments.Length, start + FragmentBytes);

            // Never cut a multi-byte character: continuation bytes are 10xxxxxx.
            while (end < arguments.Length && end > start + 1 && (arguments[end] & 0xC0) == 0x80)
            {
                end--;
            }

            fragments.Add(arguments.AsMemory(start, end - start));
            start = end;
        }

        return [.. fragments];
    }
}
