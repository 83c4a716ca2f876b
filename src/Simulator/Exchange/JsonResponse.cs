using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MassRouter.Simulator.Exchange;

/// <summary>Writes complete JSON bodies with a Content-Length.</summary>
internal static class JsonResponse
{
    public const string ContentType = "application/json";

    public static async Task WriteAsync(HttpContext context, int statusCode, ReadOnlyMemory<byte> body)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = ContentType;
        response.ContentLength = body.Length;
        await response.BodyWriter.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>An error caused by how the simulator was asked (bad control header, missing fixture), not by a simulated provider.</summary>
    public static Task WriteSimulatorErrorAsync(HttpContext context, int statusCode, string message, string? param)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartObject("error");
            json.WriteString("message", message);
            json.WriteString("type", "simulator_error");
            json.WriteString("param", param);
            json.WriteNull("code");
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return WriteAsync(context, statusCode, buffer.WrittenMemory);
    }
}
