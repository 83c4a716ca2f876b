using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MassRouter.Gateway.Transforms.Ingress.Anthropic;

/// <summary>Writes errors in Anthropic's shape, <c>{"type":"error","error":{"type":...,"message":...}}</c>, from OpenAI errors too.</summary>
public static class AnthropicErrorWriter
{
    private static readonly JsonWriterOptions _options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Anthropic's error type for an HTTP status (529 and 503 are both "overloaded").</summary>
    public static string TypeForStatus(int statusCode) => statusCode switch
    {
        400 or 422 => "invalid_request_error",
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 or 529 => "overloaded_error",
        504 => "timeout_error",
        < 500 => "invalid_request_error",
        _ => "api_error",
    };

    /// <summary>True when <paramref name="body"/> already is an Anthropic error (<c>"type":"error"</c> at the top level).</summary>
    public static bool IsAnthropicError(ReadOnlySpan<byte> body)
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
                var isType = reader.ValueTextEquals("type"u8);
                reader.Read();
                if (isType)
                {
                    return reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("error"u8);
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }

    /// <summary>Writes a complete error body.</summary>
    public static void Write(IBufferWriter<byte> output, string type, string message)
    {
        using var writer = new Utf8JsonWriter(output, _options);
        WriteObject(writer, type, message);
    }

    /// <summary>Writes an <c>event: error</c> SSE event, which ends an Anthropic stream that failed after it started.</summary>
    public static void WriteEvent(IBufferWriter<byte> output, string type, string message)
    {
        output.Write("event: error\ndata: "u8);
        Write(output, type, message);
        output.Write("\n\n"u8);
    }

    /// <summary>
    /// Rewrites an upstream OpenAI-shaped error body (or any body) as an Anthropic error with the same meaning: the type
    /// follows the status, the message is the upstream's message when it has one.
    /// </summary>
    public static void TranslateOpenAIError(int statusCode, ReadOnlySpan<byte> openAIBody, IBufferWriter<byte> output) =>
        Write(output, TypeForStatus(statusCode), ReadOpenAIMessage(openAIBody) ?? $"Upstream provider returned HTTP {statusCode}.");

    /// <summary>The Anthropic type for an OpenAI error type met in the middle of a stream (no status there).</summary>
    internal static string TypeForOpenAIType(ReadOnlySpan<byte> openAIType) =>
        openAIType.IndexOf("overloaded"u8) >= 0 ? "overloaded_error"
        : openAIType.IndexOf("rate_limit"u8) >= 0 || openAIType.SequenceEqual("requests"u8) || openAIType.SequenceEqual("tokens"u8) ? "rate_limit_error"
        : openAIType.SequenceEqual("invalid_request_error"u8) ? "invalid_request_error"
        : "api_error";

    /// <summary><c>error.message</c> of an OpenAI error body (or a top-level <c>message</c>), or null.</summary>
    internal static string? ReadOpenAIMessage(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            string? message = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        return ReadMessage(ref reader) ?? message;
                    }

                    if (reader.TokenType == JsonTokenType.String)
                    {
                        return reader.GetString();
                    }
                }
                else if (reader.ValueTextEquals("message"u8))
                {
                    reader.Read();
                    message = reader.TokenType == JsonTokenType.String ? reader.GetString() : message;
                }
                else
                {
                    reader.Read();
                }

                reader.Skip();
            }

            return message;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? ReadMessage(ref Utf8JsonReader reader)
    {
        string? message = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isMessage = reader.ValueTextEquals("message"u8);
            reader.Read();
            if (isMessage && reader.TokenType == JsonTokenType.String)
            {
                message = reader.GetString();
            }

            reader.Skip();
        }

        return message;
    }

    private static void WriteObject(Utf8JsonWriter writer, string type, string message)
    {
        writer.WriteStartObject();
        writer.WriteString("type"u8, "error"u8);
        writer.WriteStartObject("error"u8);
        writer.WriteString("type"u8, type);
        writer.WriteString("message"u8, message);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();
    }
}
