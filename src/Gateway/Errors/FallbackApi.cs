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
        endpoints.Map("/v1/embeddings", (RequestDelegate)(context => MethodNotAllowedAsync(context, "POST")));
        endpoints.Map("/v1/completions", (RequestDelegate)(context => MethodNotAllowedAsync(context, "POST")));
        endpoints.Map("/v1/moderations", (RequestDelegate)(context => MethodNotAllowedAsync(context, "POST")));
        endpoints.Map("/v1/responses", (RequestDelegate)(context => MethodNotAllowedAsync(context, "POST")));
        endpoints.Map("/v1/responses/input_tokens", (RequestDelegate)(context => MethodNotAllowedAsync(context, "POST")));
        endpoints.Map("/v1/responses/compact", (RequestDelegate)(context => MethodNotAllowedAsync(context, "POST")));
        endpoints.Map("/v1/responses/{id}", (RequestDelegate)(context => StoredResponseMethodNotAllowedAsync(context, "GET, DELETE")));
        endpoints.Map("/v1/responses/{id}/cancel", (RequestDelegate)(context => StoredResponseMethodNotAllowedAsync(context, "POST")));
        endpoints.Map("/v1/responses/{id}/input_items", (RequestDelegate)(context => StoredResponseMethodNotAllowedAsync(context, "GET")));
        endpoints.Map("/v1/conversations", (RequestDelegate)(context => MethodNotAllowedAsync(context, "POST")));
        endpoints.Map("/v1/conversations/{id}", (RequestDelegate)(context => MethodNotAllowedAsync(context, "GET, POST, DELETE")));
        endpoints.Map("/v1/conversations/{id}/items", (RequestDelegate)(context => MethodNotAllowedAsync(context, "GET, POST")));
        endpoints.Map("/v1/conversations/{id}/items/{itemId}", (RequestDelegate)(context => MethodNotAllowedAsync(context, "GET, DELETE")));
        endpoints.Map("/v1/messages", (RequestDelegate)MessagesMethodNotAllowedAsync);
        endpoints.Map("/v1/messages/count_tokens", (RequestDelegate)MessagesMethodNotAllowedAsync);
        foreach (var path in (ReadOnlySpan<string>)["/", "/v1/models", "/v1/key", "/healthz", "/readyz", "/metrics"])
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
                $"Unknown request URL: {context.Request.Method} {context.Request.Path}.{BaseUrlHint(context.Request.Path)}",
                code: "unknown_url");
        }));
        return endpoints;
    }

    /// <summary>
    /// The likeliest cause of a miss on one of the gateway's own paths: an SDK's base URL without its <c>/v1</c> (OpenAI
    /// SDKs append the path to a base URL that ends in <c>/v1</c>) or with one too many (Anthropic SDKs add <c>/v1</c>
    /// themselves).
    /// </summary>
    internal static string BaseUrlHint(PathString path)
    {
        var value = path.Value.AsSpan().TrimEnd('/');
        if (value.Equals("/v1/v1/messages", StringComparison.OrdinalIgnoreCase))
        {
            return " Anthropic SDKs add /v1 themselves: set their base URL to the gateway's root, without /v1.";
        }

        if (value.StartsWith("/v1/v1/", StringComparison.OrdinalIgnoreCase) && IsGatewayPath(value[3..]))
        {
            return $" The base URL ends in /v1 twice: did you mean {value[3..]}?";
        }

        if (!value.StartsWith("/v1/", StringComparison.OrdinalIgnoreCase) && IsGatewayPath(string.Concat("/v1", value)))
        {
            return value.Equals("/messages", StringComparison.OrdinalIgnoreCase)
                ? " Did you mean /v1/messages? Anthropic SDKs take the gateway's root as their base URL."
                : $" Did you mean /v1{value}? OpenAI SDKs take a base URL ending in /v1 (http://host:port/v1).";
        }

        return "";
    }

    private static bool IsGatewayPath(ReadOnlySpan<char> path) =>
        path.Equals("/v1/chat/completions", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/v1/embeddings", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/v1/completions", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/v1/moderations", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/v1/responses", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/v1/messages", StringComparison.OrdinalIgnoreCase)
        || path.Equals("/v1/models", StringComparison.OrdinalIgnoreCase)
        || (path.StartsWith("/v1/models/", StringComparison.OrdinalIgnoreCase) && path.Length > "/v1/models/".Length);

    private static Task MethodNotAllowedAsync(HttpContext context, string allowed)
    {
        RequestId.Stamp(context);
        context.Response.Headers.Allow = allowed;
        return OpenAIErrorResponse.WriteAsync(
            context, StatusCodes.Status405MethodNotAllowed, MethodNotAllowedMessage(context, allowed), code: "method_not_allowed");
    }

    /// <summary>A stored response's route with another method: a 405; a path that names no response (<c>POST /v1/responses/summarize</c>) is unknown.</summary>
    private static Task StoredResponseMethodNotAllowedAsync(HttpContext context, string allowed)
    {
        if (context.GetRouteValue("id") is string id && id.StartsWith("resp_", StringComparison.Ordinal))
        {
            return MethodNotAllowedAsync(context, allowed);
        }

        RequestId.Stamp(context);
        return OpenAIErrorResponse.WriteAsync(
            context, StatusCodes.Status404NotFound, $"Unknown request URL: {context.Request.Method} {context.Request.Path}.", code: "unknown_url");
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
