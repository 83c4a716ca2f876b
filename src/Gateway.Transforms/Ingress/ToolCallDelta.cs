using System.Text.Json;

namespace MassRouter.Gateway.Transforms.Ingress;

/// <summary>
/// One element of a chat chunk's <c>tool_calls</c> delta, read whole (id, name and arguments come in any order): the
/// values are the chunk's own escaped JSON string bytes, empty when absent; the index is -1 when absent (Mistral sends none).
/// </summary>
internal readonly ref struct ToolCallDelta
{
    private ToolCallDelta(int index, ReadOnlySpan<byte> id, ReadOnlySpan<byte> name, ReadOnlySpan<byte> arguments)
    {
        Index = index;
        Id = id;
        Name = name;
        Arguments = arguments;
    }

    public int Index { get; }

    public ReadOnlySpan<byte> Id { get; }

    public ReadOnlySpan<byte> Name { get; }

    public ReadOnlySpan<byte> Arguments { get; }

    /// <summary>Reads the object whose start <paramref name="reader"/> is on, up to its end.</summary>
    public static ToolCallDelta Read(ref Utf8JsonReader reader)
    {
        var index = -1;
        ReadOnlySpan<byte> id = default, name = default, arguments = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("index"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out index))
                {
                    index = -1;
                }
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                id = reader.TokenType == JsonTokenType.String ? reader.ValueSpan : default;
            }
            else if (reader.ValueTextEquals("function"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isName = reader.ValueTextEquals("name"u8);
                    var isArguments = reader.ValueTextEquals("arguments"u8);
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        name = isName ? reader.ValueSpan : name;
                        arguments = isArguments ? reader.ValueSpan : arguments;
                    }

                    reader.Skip();
                }

                continue;
            }
            else
            {
                reader.Read();
            }

            reader.Skip();
        }

        return new ToolCallDelta(index, id, name, arguments);
    }
}
