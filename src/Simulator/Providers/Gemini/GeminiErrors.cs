using System.Text;

namespace MassRouter.Simulator.Providers.Gemini;

/// <summary>Google API error bodies (<c>{"error":{"code","message","status"}}</c>), pretty-printed as Google sends them.</summary>
internal static class GeminiErrors
{
    public const string ContentType = "application/json; charset=UTF-8";

    /// <summary>What a stream carries when it fails after it started: the error object as one more event.</summary>
    public static ReadOnlyMemory<byte> MidstreamEvent { get; } =
        "data: {\"error\": {\"code\": 500,\"message\": \"An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting\",\"status\": \"INTERNAL\"}}\r\n\r\n"u8.ToArray();

    /// <summary>
    /// The message of the 400 <c>INVALID_ARGUMENT</c> for an input longer than the model's context window (the
    /// <c>context-length</c> fault), quoted from Google's documentation and its users' issue reports, not recorded traffic.
    /// </summary>
    public const string InputTokenCountExceeded = "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).";

    /// <summary>Status name and message per HTTP status; 404 and 429 carry the recorded messages of the fixtures.</summary>
    public static (string Status, string Message) ForStatus(int statusCode) => statusCode switch
    {
        StatusCodes.Status400BadRequest => ("INVALID_ARGUMENT", "Request contains an invalid argument."),
        StatusCodes.Status401Unauthorized => ("UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."),
        StatusCodes.Status403Forbidden => ("PERMISSION_DENIED", "The caller does not have permission"),
        StatusCodes.Status404NotFound => ("NOT_FOUND", "models/gemini-3.6-flahs is not found for API version v1beta, or is not supported for generateContent. Call ModelService.ListModels to see the list of available models and their supported methods."),
        StatusCodes.Status429TooManyRequests => ("RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan."),
        StatusCodes.Status500InternalServerError => ("INTERNAL", "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"),
        StatusCodes.Status503ServiceUnavailable => ("UNAVAILABLE", "The model is overloaded. Please try again later."),
        StatusCodes.Status504GatewayTimeout => ("DEADLINE_EXCEEDED", "The request timed out. Please try again."),
        < 500 => ("FAILED_PRECONDITION", $"Simulated HTTP {statusCode} error."),
        _ => ("INTERNAL", $"Simulated HTTP {statusCode} error."),
    };

    public static ReadOnlyMemory<byte> Body(int statusCode, string status, string message)
    {
        var encodedMessage = Encoding.UTF8.GetString(System.Text.Json.JsonEncodedText.Encode(message).EncodedUtf8Bytes);
        return Encoding.UTF8.GetBytes(
            $"{{\n  \"error\": {{\n    \"code\": {statusCode},\n    \"message\": \"{encodedMessage}\",\n    \"status\": \"{status}\"\n  }}\n}}\n");
    }
}
