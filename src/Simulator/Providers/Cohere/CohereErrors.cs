using System.Buffers;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.Cohere;

/// <summary>Cohere error bodies: <c>{"id":...,"message":...}</c>.</summary>
internal static class CohereErrors
{
    /// <summary>A stream that fails after it started ends with message-end carrying finish_reason ERROR.</summary>
    public static ReadOnlyMemory<byte> MidstreamEvent { get; } =
        "event: message-end\ndata: {\"type\":\"message-end\",\"delta\":{\"finish_reason\":\"ERROR\",\"error\":\"internal server error, this has been reported to our developers\"}}\n\ndata: [DONE]\n\n"u8.ToArray();

    /// <summary>
    /// The message of the 400 for a prompt longer than the model's context window (the <c>context-length</c> fault), quoted
    /// from Cohere's documentation and its users' issue reports, not recorded traffic.
    /// </summary>
    public const string TooManyTokens =
        "too many tokens: total number of tokens in the prompt cannot exceed 128000 - received 131072. Try using a shorter prompt or enabling prompt truncating. See https://docs.cohere.com/reference/chat for more details.";

    /// <summary>Message per status; 404 carries the recorded message of cohere/cohere-error-404-model-not-found.</summary>
    public static string ForStatus(int statusCode) => statusCode switch
    {
        StatusCodes.Status400BadRequest => "invalid request: message must be at least 1 token long or tool results must be specified.",
        StatusCodes.Status401Unauthorized => "invalid api token",
        StatusCodes.Status404NotFound => "model 'nonexistent' not found, make sure the correct model ID was used and that you have access to the model.",
        StatusCodes.Status429TooManyRequests => "You are using a Trial key, which is limited to 10 API calls / minute. Please try again later.",
        StatusCodes.Status500InternalServerError => "internal server error, this has been reported to our developers",
        StatusCodes.Status503ServiceUnavailable => "service unavailable, please try again later",
        _ => $"Simulated HTTP {statusCode} error.",
    };

    public static ReadOnlyMemory<byte> Body(string message)
    {
        var buffer = new ArrayBufferWriter<byte>(160);
        buffer.Write("{\"id\":"u8);
        JsonText.WriteString(buffer, CohereWire.NewId());
        buffer.Write(",\"message\":"u8);
        JsonText.WriteString(buffer, message);
        buffer.Write("}"u8);
        return buffer.WrittenMemory;
    }
}
