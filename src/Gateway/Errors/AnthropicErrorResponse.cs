using MassRouter.Gateway.Transforms.Ingress.Anthropic;

namespace MassRouter.Gateway.Errors;

/// <summary>Writes gateway-generated errors of the <c>/v1/messages</c> route in Anthropic's shape.</summary>
internal static class AnthropicErrorResponse
{
    public static Task WriteAsync(HttpContext context, int status, string message)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return Task.CompletedTask;
        }

        response.StatusCode = status;
        response.ContentType = "application/json";
        AnthropicErrorWriter.Write(response.BodyWriter, AnthropicErrorWriter.TypeForStatus(status), message);
        return response.BodyWriter.FlushAsync(context.RequestAborted).AsTask();
    }
}
