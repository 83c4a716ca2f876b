using System.Buffers;
using System.Text.Json;

namespace MassRouter.Gateway.Transforms.Ingress.Anthropic;

/// <summary>Replaces the top-level <c>model</c> of a Messages request, leaving every other byte as the client sent it (passthrough).</summary>
public static class AnthropicModelRewriter
{
    /// <summary>
    /// Reads what routing needs (model and stream) without translating; false when the body is not a JSON object or has no
    /// string model.
    /// </summary>
    public static bool TryReadRouting(ReadOnlySpan<byte> body, out string model, out bool stream)
    {
        model = string.Empty;
        stream = false;
        var reader = new Utf8JsonReader(body);
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
                reader.Read();
                if (isModel && reader.TokenType == JsonTokenType.String)
                {
                    model = reader.GetString()!;
                }
                else if (isStream)
                {
                    stream = reader.TokenType == JsonTokenType.True;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return model.Length > 0;
    }

    /// <summary>Writes <paramref name="body"/> with its model replaced by <paramref name="model"/>; false when there is no string model.</summary>
    public static bool TryRewrite(ReadOnlySpan<byte> body, string model, IBufferWriter<byte> output)
    {
        var reader = new Utf8JsonReader(body);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isModel = reader.ValueTextEquals("model"u8);
                reader.Read();
                if (isModel && reader.TokenType == JsonTokenType.String)
                {
                    var start = (int)reader.TokenStartIndex;
                    var end = (int)reader.BytesConsumed;
                    output.Write(body[..start]);
                    output.Write("\""u8);
                    output.Write(JsonEncodedText.Encode(model).EncodedUtf8Bytes);
                    output.Write("\""u8);
                    output.Write(body[end..]);
                    return true;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }
}
