using System.Buffers;
using System.Text.Json;

namespace MassRouter.Gateway.Transforms.Ingress.Responses;

/// <summary>
/// The Responses API's <c>error</c> event (<c>event: error</c>, data <c>{"type":"error","code",...,"sequence_number"}</c>),
/// for a relayed stream that failed without one of its own: the OpenAI SDKs raise it as an error.
/// </summary>
public static class ResponsesErrorEvent
{
    /// <summary>Writes the event; <paramref name="sequenceNumber"/> is the number of events the client already got.</summary>
    public static void Write(IBufferWriter<byte> output, string code, string message, int sequenceNumber)
    {
        output.Write("event: error\ndata: "u8);
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            json.WriteString("type"u8, "error"u8);
            json.WriteString("code"u8, code);
            json.WriteString("message"u8, message);
            json.WriteNull("param"u8);
            json.WriteNumber("sequence_number"u8, sequenceNumber);
            json.WriteEndObject();
        }

        output.Write("\n\n"u8);
    }

    /// <summary>
    /// Writes the event for the gateway's OpenAI-shaped error (<c>{"error":{"message","type","param","code"}}</c>, as the
    /// relay ends a chat stream it had to cut), keeping its message and code (its type when it has none).
    /// </summary>
    public static void WriteFromOpenAIError(IBufferWriter<byte> output, ReadOnlySpan<byte> openAIError, int sequenceNumber)
    {
        string? message = null;
        string? code = null;
        try
        {
            using var document = JsonDocument.Parse(openAIError.ToArray());
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error"u8, out var error) && error.ValueKind == JsonValueKind.Object)
            {
                message = String(error, "message"u8);
                code = String(error, "code"u8) ?? String(error, "type"u8);
            }
        }
        catch (JsonException)
        {
        }

        Write(output, code ?? "server_error", message ?? "The stream failed.", sequenceNumber);
    }

    private static string? String(JsonElement element, ReadOnlySpan<byte> name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
