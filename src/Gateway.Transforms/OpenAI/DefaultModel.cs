using System.Buffers;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.OpenAI;

/// <summary>
/// Names a model in a request that left it out, for the OpenAI operations whose <c>model</c> is optional (moderations:
/// <c>omni-moderation-latest</c> by default): the gateway routes by it, so it is written into the body, first, the rest as
/// the client sent it.
/// </summary>
public static class DefaultModel
{
    /// <summary>
    /// Writes <paramref name="body"/> with <c>"model":<paramref name="model"/></c> as its first property to
    /// <paramref name="output"/>; false (nothing written) when the body is not a JSON object or already has a top-level
    /// <c>model</c>, whatever its value.
    /// </summary>
    public static bool TryInsert(ReadOnlySpan<byte> body, string model, IBufferWriter<byte> output)
    {
        var reader = new Utf8JsonReader(body, RequestJson.ReaderOptions);
        var open = -1;
        var any = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            open = (int)reader.TokenStartIndex;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    return false;
                }

                any = true;
                reader.Read();
                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return false;
        }

        Write(output, body[..(open + 1)]);
        Write(output, "\"model\":"u8);
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStringValue(model);
        }

        if (any)
        {
            Write(output, ","u8);
        }

        Write(output, body[(open + 1)..]);
        return true;
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }
}
