using System.Buffers;
using MassRouter.Simulator.Exchange;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.Bedrock;

/// <summary>
/// Bedrock errors: the body is only <c>{"message":...}</c>; the exception is named by the <c>x-amzn-ErrorType</c> header
/// (<c>ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/</c>).
/// </summary>
internal static class BedrockErrors
{
    public const string ErrorTypeHeader = "x-amzn-ErrorType";
    public const string ValidationException = "ValidationException";

    /// <summary>
    /// The message of the 400 <c>ValidationException</c> for an input longer than the model's context window (the
    /// <c>context-length</c> fault), quoted from AWS's documentation and its users' issue reports, not recorded traffic.
    /// </summary>
    public const string InputTooLong = "Input is too long for requested model.";

    private const string BedrockNamespace = ":http://internal.amazon.com/coral/com.amazon.bedrock/";
    private const string CoralNamespace = ":http://internal.amazon.com/coral/com.amazon.coral.service/";

    /// <summary>What ConverseStream sends when the model fails after the stream started: an exception message.</summary>
    public static ReadOnlyMemory<byte> MidstreamException { get; } = AwsEventStream.Message(
        AwsEventStream.ExceptionHeaders("modelStreamErrorException"),
        "{\"message\":\"The model encountered an error while streaming the response. Try your request again.\"}"u8);

    /// <summary>Exception and message per status, in Bedrock's words.</summary>
    public static (string Exception, string Message) ForStatus(int statusCode) => statusCode switch
    {
        StatusCodes.Status400BadRequest => (ValidationException, "The provided model identifier is invalid."),
        StatusCodes.Status401Unauthorized => ("UnrecognizedClientException", "The security token included in the request is invalid."),
        StatusCodes.Status403Forbidden => ("AccessDeniedException", "You don't have access to the model with the specified model ID."),
        StatusCodes.Status404NotFound => ("ResourceNotFoundException", "Could not resolve the foundation model from the provided model identifier."),
        StatusCodes.Status408RequestTimeout => ("ModelTimeoutException", "Model has timed out in processing the request. Try your request again."),
        StatusCodes.Status424FailedDependency => ("ModelErrorException", "The model returned an error. Try your request again."),
        StatusCodes.Status429TooManyRequests => ("ThrottlingException", "Too many requests, please wait before trying again."),
        StatusCodes.Status500InternalServerError => ("InternalServerException", "The system encountered an unexpected error during processing. Try your request again."),
        StatusCodes.Status503ServiceUnavailable => ("ServiceUnavailableException", "Bedrock is unable to process your request."),
        < 500 => (ValidationException, $"Simulated HTTP {statusCode} error."),
        _ => ("InternalServerException", $"Simulated HTTP {statusCode} error."),
    };

    /// <summary>The <c>x-amzn-ErrorType</c> value: the exception and the namespace of the service that raised it.</summary>
    public static string ErrorType(string exception) =>
        exception + (exception == "UnrecognizedClientException" ? CoralNamespace : BedrockNamespace);

    public static Task WriteAsync(HttpContext context, int statusCode, string exception, string message)
    {
        context.Response.Headers[ErrorTypeHeader] = ErrorType(exception);
        return JsonResponse.WriteAsync(context, statusCode, Body(message));
    }

    /// <summary>Names the exception of an error response that has no <c>x-amzn-ErrorType</c> yet (a replayed error body).</summary>
    public static Task TagUntypedError(HttpResponse response)
    {
        if (response.StatusCode >= StatusCodes.Status400BadRequest && !response.Headers.ContainsKey(ErrorTypeHeader))
        {
            response.Headers[ErrorTypeHeader] = ErrorType(ForStatus(response.StatusCode).Exception);
        }

        return Task.CompletedTask;
    }

    private static ReadOnlyMemory<byte> Body(string message)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        buffer.Write("{\"message\":"u8);
        JsonText.WriteString(buffer, message);
        buffer.Write("}"u8);
        return buffer.WrittenMemory;
    }
}
