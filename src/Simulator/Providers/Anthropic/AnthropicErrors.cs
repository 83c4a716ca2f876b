using System.Buffers;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.Anthropic;

/// <summary>Anthropic error bodies: <c>{"type":"error","error":{"type":...,"message":...},"request_id":...}</c>.</summary>
internal static class AnthropicErrors
{
    /// <summary>The mid-stream error event of anthropic/anthropic-stream-error-event-overloaded.sse, without its space padding.</summary>
    public static ReadOnlyMemory<byte> MidstreamEvent { get; } =
        "event: error\ndata: {\"type\":\"error\",\"error\":{\"details\":null,\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"u8.ToArray();

    /// <summary>
    /// The message of the 400 <c>invalid_request_error</c> for a prompt longer than the model's context window (the
    /// <c>context-length</c> fault), quoted from Anthropic's documentation and its users' issue reports, not recorded traffic.
    /// </summary>
    public const string PromptTooLong = "prompt is too long: 208403 tokens > 200000 maximum";

    /// <summary>Error type and message per status; 400, 404 and 529 carry the recorded messages of the fixtures.</summary>
    public static (string Type, string Message) ForStatus(int statusCode) => statusCode switch
    {
        StatusCodes.Status400BadRequest => ("invalid_request_error", "This model does not support effort level 'xhigh'. Supported levels: high, low, max, medium."),
        StatusCodes.Status401Unauthorized => ("authentication_error", "invalid x-api-key"),
        StatusCodes.Status403Forbidden => ("permission_error", "Your API key does not have permission to use the specified resource."),
        StatusCodes.Status404NotFound => ("not_found_error", "model: claude-sonet-4-5"),
        StatusCodes.Status413PayloadTooLarge => ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
        StatusCodes.Status429TooManyRequests => ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit. Please try again later."),
        StatusCodes.Status500InternalServerError => ("api_error", "Internal server error"),
        529 => ("overloaded_error", "Overloaded"),
        < 500 => ("invalid_request_error", $"Simulated HTTP {statusCode} error."),
        _ => ("api_error", $"Simulated HTTP {statusCode} error."),
    };

    public static ReadOnlyMemory<byte> Body(string type, string message, string requestId)
    {
        var buffer = new ArrayBufferWriter<byte>(192);
        buffer.Write("{\"type\":\"error\",\"error\":{\"type\":"u8);
        JsonText.WriteString(buffer, type);
        buffer.Write(",\"message\":"u8);
        JsonText.WriteString(buffer, message);
        buffer.Write("},\"request_id\":"u8);
        JsonText.WriteString(buffer, requestId);
        buffer.Write("}"u8);
        return buffer.WrittenMemory;
    }
}
