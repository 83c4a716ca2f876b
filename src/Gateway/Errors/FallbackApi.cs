using MassRouter.Gateway.Embedded;
using MassRouter.Gateway.Forwarding;

namespace MassRouter.Gateway.Errors;

/// <summary>
/// Answers for unknown paths and unsupported methods, in the error shape of the API the path belongs to, with the request
/// id every response carries.
/// </summary>
internal static class FallbackApi
{
    /// <summary>
    /// Maps the 405s and the catch-all 404; with <paramref name="besideControlApi"/> the catch-all answers for the
    /// embedded control API's paths as it would (<see cref="ControlApiMisses"/>).
    /// </summary>
    public static IEndpointRouteBuilder MapFallbacks(this IEndpointRouteBuilder endpoints, bool besideControlApi)
    {
        // No method metadata: matched only when the method-specific endpoint on the same path is not.
        endpoints.Map("/v1/chat/completions", (RequestDelegate)(context => MethodNotAllowedAsync(context, "POST")));
        endpoints.Map("/v1/messages", (RequestDelegate)MessagesMethodNotAllowedAsync);
        foreach (var path in (ReadOnlySpan<string>)["/v1/models", "/healthz", "/readyz", "/metrics"])
        {
            endpoints.Map(path, (RequestDelegate)(context => MethodNotAllowedAsync(context, "GET, HEAD")));
        }

        endpoints.MapFallback((RequestDelegate)(context =>
        {
            if (besideControlApi && EmbeddedControlApi.IsControlApiRequest(context))
            {
                return context.RequestServices.GetRequiredService<ControlApiMisses>().WriteAsync(context);
            }

            RequestId.Stamp(context);
            return OpenAIErrorResponse.WriteAsync(
                context,
                StatusCodes.Status404NotFound,
                $"Unknown request URL: {context.Request.Method} {context.Request.Path}.",
                code: "unknown_url");
        }));
        return endpoints;
    }

    private static Task MethodNotAllowedAsync(HttpContext context, string allowed)
    {
        RequestId.Stamp(context);
        context.Response.Headers.Allow = allowed;
        return OpenAIErrorResponse.WriteAsync(
            context, StatusCodes.Status405MethodNotAllowed, MethodNotAllowedMessage(context, allowed), code: "method_not_allowed");
    }

    private static Task MessagesMethodNotAllowedAsync(HttpContext context)
    {
        MessagesHandler.StampRequestIds(context);
        context.Response.Headers.Allow = "POST";
        return AnthropicErrorResponse.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, MethodNotAllowedMessage(context, "POST"));
    }

    private static string MethodNotAllowedMessage(HttpContext context, string allowed) =>
        $"Method {context.Request.Method} is not allowed on {context.Request.Path}; use {allowed}.";
}
