using MassRouter.Gateway.Transforms.Ingress.Anthropic;

namespace MassRouter.Gateway.Errors;

/// <summary>Writes gateway-generated errors of the <c>/v1/messages</c> route in Anthropic's shape.</summary>
internal static class AnthropicErrorResponse
{
    /// <summary>A request that was not authenticated, in Anthropic's words (the OpenAI routes' statuses).</summary>
    public static Task WriteAuthFailureAsync(HttpContext context, Auth.AuthResult auth) => auth.Failure switch
    {
        Auth.AuthFailure.Throttled => ThrottledAsync(context, auth.RetryAfter),

        // Not the key's fault: a 401 would tell the client to give up on a key that may be fine.
        Auth.AuthFailure.Unavailable => WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The API key could not be verified right now. Please try again shortly."),
        Auth.AuthFailure.MissingKey => WriteAsync(context, StatusCodes.Status401Unauthorized, "x-api-key header is required (or send 'Authorization: Bearer YOUR_KEY')."),
        _ => WriteAsync(context, StatusCodes.Status401Unauthorized, "invalid x-api-key"),
    };

    public static Task WriteAsync(HttpContext context, int status, string message)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return Task.CompletedTask;
        }

        response.StatusCode = status;
        response.ContentType = "application/json";
        var type = AnthropicErrorWriter.TypeForStatus(status);
        if (context.Features.Get<Telemetry.AccessLogEntry>() is { } logged)
        {
            logged.Error = type;
        }

        AnthropicErrorWriter.Write(response.BodyWriter, type, message);
        return response.BodyWriter.FlushAsync(context.RequestAborted).AsTask();
    }

    private static Task ThrottledAsync(HttpContext context, TimeSpan retryAfter)
    {
        Limits.RateLimitHeaders.WriteRetryAfter(context.Response, retryAfter);
        return WriteAsync(context, StatusCodes.Status429TooManyRequests, "Too many unauthenticated requests from your address. Please try again later.");
    }
}
