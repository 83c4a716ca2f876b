using MassRouter.Gateway.Transforms.OpenAI;

namespace MassRouter.Gateway.Errors;

/// <summary>Writes gateway-generated errors to the client in OpenAI's <c>{"error":{...}}</c> shape.</summary>
internal static class OpenAIErrorResponse
{
    public const string InvalidRequest = "invalid_request_error";
    public const string ServerError = "server_error";

    public static Task WriteAsync(HttpContext context, int status, string message, string type = InvalidRequest, string? param = null, string? code = null)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return Task.CompletedTask;
        }

        response.StatusCode = status;
        response.ContentType = "application/json";
        if (context.Features.Get<Telemetry.AccessLogEntry>() is { } logged)
        {
            logged.Error = code ?? type;
        }

        OpenAIErrorWriter.Write(response.BodyWriter, message, type, param, code);
        return response.BodyWriter.FlushAsync(context.RequestAborted).AsTask();
    }
}
