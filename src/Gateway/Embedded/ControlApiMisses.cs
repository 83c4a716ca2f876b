using MassRouter.ControlApi.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Net.Http.Headers;

namespace MassRouter.Gateway.Embedded;

/// <summary>
/// Answers a request on the embedded control API's paths that no endpoint took, as the control API on its own would:
/// 405 with <c>Allow</c> when the path exists for other methods, 415 when it exists for this method but not for this
/// content type, else 404; each as problem details. Beside the gateway, its catch-all fallback takes every request that
/// no endpoint matched, so routing's own 405 and 415 never happen, and a wrong method on <c>/api/keys</c> would read
/// as an unknown URL. Runs only for such mistakes: the endpoints are matched here, not on any request's path.
/// </summary>
internal sealed class ControlApiMisses(EndpointDataSource endpoints, IProblemDetailsService problems)
{
    public async Task WriteAsync(HttpContext context)
    {
        var request = context.Request;
        var allowed = new SortedSet<string>(StringComparer.Ordinal);
        bool methodMatched = false, contentAccepted = false;
        var values = new RouteValueDictionary();
        foreach (var endpoint in endpoints.Endpoints)
        {
            // Fallbacks and maps without a method (the gateway's own 405s) say nothing about the control API's paths.
            if (endpoint is not RouteEndpoint route || endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is not { HttpMethods.Count: > 0 } methods)
            {
                continue;
            }

            values.Clear();
            var matcher = new TemplateMatcher(new RouteTemplate(route.RoutePattern), new RouteValueDictionary(route.RoutePattern.Defaults));
            if (!matcher.TryMatch(request.Path, values))
            {
                continue;
            }

            allowed.UnionWith(methods.HttpMethods);
            if (methods.HttpMethods.Any(method => string.Equals(method, request.Method, StringComparison.OrdinalIgnoreCase)))
            {
                methodMatched = true;
                contentAccepted |= Accepts(endpoint.Metadata.GetMetadata<IAcceptsMetadata>(), request.ContentType);
            }
        }

        var (status, detail) = methodMatched switch
        {
            // The method's endpoint refused the content type (the problem details say which one to send).
            true when !contentAccepted => (StatusCodes.Status415UnsupportedMediaType, null),
            false when allowed.Count > 0 => (StatusCodes.Status405MethodNotAllowed,
                RoutingMisses.MethodNotAllowed(request.Method, request.Path, string.Join(", ", allowed))),
            // No endpoint, or one whose route constraints refused the path's values.
            _ => (StatusCodes.Status404NotFound, RoutingMisses.NotFound(request.Method, request.Path)),
        };

        context.Response.StatusCode = status;
        if (status == StatusCodes.Status405MethodNotAllowed)
        {
            context.Response.Headers.Allow = string.Join(", ", allowed);
        }

        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Detail = detail },
        });
    }

    private static bool Accepts(IAcceptsMetadata? accepts, string? contentType)
    {
        if (accepts is not { ContentTypes.Count: > 0 })
        {
            return true;
        }

        if (string.IsNullOrEmpty(contentType))
        {
            return accepts.IsOptional;
        }

        return MediaTypeHeaderValue.TryParse(contentType, out var sent)
            && accepts.ContentTypes.Any(type => MediaTypeHeaderValue.TryParse(type, out var accepted) && sent.IsSubsetOf(accepted));
    }
}
