using System.Buffers;
using System.Text.Json;

namespace MassRouter.Gateway.Transforms.OpenAI;

/// <summary>Writes errors in OpenAI's shape: <c>{"error":{"message","type","param","code"}}</c>.</summary>
public static class OpenAIErrorWriter
{
    /// <summary>Writes the error object to <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, string message, string type, string? param, string? code)
    {
        // Relaxed escaping, as every translator writes: "model's" rather than "model\u0027s" in a message a person reads.
        using var writer = new Utf8JsonWriter(output, Translation.JsonOutput.ValidatedOptions);
        Write(writer, message, type, param, code);
    }

    /// <summary>Writes the error object with <paramref name="writer"/>.</summary>
    public static void Write(Utf8JsonWriter writer, string message, string type, string? param, string? code)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error"u8);
        writer.WriteString("message"u8, message);
        writer.WriteString("type"u8, type);
        if (param is null)
        {
            writer.WriteNull("param"u8);
        }
        else
        {
            writer.WriteString("param"u8, param);
        }

        if (code is null)
        {
            writer.WriteNull("code"u8);
        }
        else
        {
            writer.WriteString("code"u8, code);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();
    }

    /// <summary>True when <paramref name="body"/> already is an OpenAI-shaped error object.</summary>
    public static bool IsOpenAIError(ReadOnlySpan<byte> body)
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
                var isError = reader.ValueTextEquals("error"u8);
                reader.Read();
                if (isError)
                {
                    return reader.TokenType == JsonTokenType.StartObject;
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
