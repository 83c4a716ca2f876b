using System.Buffers;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Ingress;

/// <summary>
/// Replaces the top-level <c>model</c> of a request in a client dialect some providers speak themselves (Anthropic Messages,
/// OpenAI Responses), leaving every other byte as the client sent it (passthrough).
/// </summary>
public static class ModelFieldRewriter
{
    /// <summary>
    /// Reads what routing needs (model and stream) without translating, and whether the body has gateway routing fields
    /// (<c>models</c>, <c>provider</c>: see <see cref="OpenAI.GatewayRoutingFields"/>); false when the body is not a JSON
    /// object or has no string model.
    /// </summary>
    public static bool TryReadRouting(ReadOnlySpan<byte> body, out string model, out bool stream, out bool routingFields)
    {
        model = string.Empty;
        if (!TryScan(body, out var start, out var end, out stream, out routingFields))
        {
            return false;
        }

        var reader = new Utf8JsonReader(body[start..end]);
        reader.Read();
        model = reader.GetString()!;
        return model.Length > 0;
    }

    /// <summary>Writes <paramref name="body"/> with its model replaced by <paramref name="model"/>; false when there is no string model.</summary>
    public static bool TryRewrite(ReadOnlySpan<byte> body, string model, IBufferWriter<byte> output)
    {
        if (!TryScan(body, out var start, out var end, out _, out _))
        {
            return false;
        }

        output.Write(body[..start]);
        output.Write("\""u8);
        output.Write(JsonEncodedText.Encode(model).EncodedUtf8Bytes);
        output.Write("\""u8);
        output.Write(body[end..]);
        return true;
    }

    /// <summary>Finds the top-level model string token (quotes included), the stream flag and any routing field in one pass.</summary>
    private static bool TryScan(ReadOnlySpan<byte> body, out int modelStart, out int modelEnd, out bool stream, out bool routingFields)
    {
        modelStart = modelEnd = -1;
        stream = false;
        routingFields = false;
        var reader = new Utf8JsonReader(body, RequestJson.ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isModel = reader.ValueTextEquals("model"u8);
                var isStream = reader.ValueTextEquals("stream"u8);
                routingFields |= reader.ValueTextEquals("models"u8) || reader.ValueTextEquals("provider"u8);
                reader.Read();
                if (isModel && reader.TokenType == JsonTokenType.String)
                {
                    modelStart = (int)reader.TokenStartIndex;
                    modelEnd = (int)reader.BytesConsumed;
                }
                else if (isStream)
                {
                    stream = reader.TokenType == JsonTokenType.True;
                }

                reader.Skip();
            }

            return modelStart >= 0 && reader.TokenType == JsonTokenType.EndObject;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
