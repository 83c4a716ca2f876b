namespace MassRouter.Gateway.Errors;

/// <summary>OpenAI-shaped answers for unknown paths and unsupported methods.</summary>
internal static class FallbackApi
{
    public static IEndpointRouteBuilder MapOpenAIFallbacks(this IEndpointRouteBuilder endpoints)
    {
        // No method metadata: matched only when the method-specific endpoint on the same path is not.
        endpoints.Map("/v1/chat/completions", (RequestDelegate)(context => MethodNotAllowedAsync(context, "POST")));
        endpoints.Map("/v1/models", (RequestDelegate)(context => MethodNotAllowedAsync(context, "GET")));
        endpoints.MapFallback((RequestDelegate)(context => OpenAIErrorResponse.WriteAsync(
            context,
            StatusCodes.Status404NotFound,
            $"Unknown request URL: {context.Request.Method} {context.Request.Path}.",
            code: "unknown_url")));
        return endpoints;
    }

    private static Task MethodNotAllowedAsync(HttpContext context, string allowed)
    {
        context.Response.Headers.Allow = allowed;
        return OpenAIErrorResponse.WriteAsync(
            context,
            StatusCodes.Status405MethodNotAllowed,
            $"Method {context.Request.Method} is not allowed on {context.Request.Path}; use {allowed}.",
            code: "method_not_allowed");
    }
}
