using System.Collections.Frozen;
using System.Globalization;
using MassRouter.Gateway.Errors;
using MassRouter.Gateway.Forwarding;
using Microsoft.Net.Http.Headers;

namespace MassRouter.Gateway.Cors;

/// <summary>
/// Lets web pages call the data plane (<c>/v1/...</c>) from another origin, as they call OpenAI's API: a preflight is
/// answered by the gateway itself, and every answer to an allowed origin (errors and streams included) says so. Keys
/// authenticate by header, so no credentials are ever allowed and any origin is safe to allow; a list narrows it.
/// </summary>
/// <remarks>
/// A request without an <c>Origin</c> (every SDK outside a browser) costs one header lookup. The response headers are
/// written as the response starts, so a retry that resets the response before another deployment answers keeps them.
/// </remarks>
internal sealed class CrossOriginRequests
{
    private const string AllowedMethods = "GET, HEAD, POST";
    private const string PathPrefix = "/v1";

    private static readonly Func<object, Task> AllowAnyOrigin = state =>
    {
        var headers = ((HttpContext)state).Response.Headers;
        headers.AccessControlAllowOrigin = "*";
        headers.AccessControlExposeHeaders = "*";
        return Task.CompletedTask;
    };

    private static readonly Func<object, Task> AllowRequestOrigin = state =>
    {
        var context = (HttpContext)state;
        var headers = context.Response.Headers;
        headers.AccessControlAllowOrigin = context.Request.Headers.Origin;
        headers.AccessControlExposeHeaders = "*";
        headers.Append(HeaderNames.Vary, HeaderNames.Origin);
        return Task.CompletedTask;
    };

    private readonly bool _anyOrigin;
    private readonly FrozenSet<string> _origins;
    private readonly (string Scheme, string HostSuffix)[] _subdomainPatterns;
    private readonly string _maxAge;

    public CrossOriginRequests(CorsOptions options)
    {
        _anyOrigin = options.AllowedOrigins.Count == 0 || options.AllowedOrigins.Contains("*");
        _origins = options.AllowedOrigins.Where(o => !o.Contains('*', StringComparison.Ordinal)).ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        _subdomainPatterns = [.. options.AllowedOrigins.Where(IsSubdomainPattern).Select(SplitPattern)];
        _maxAge = ((long)options.PreflightMaxAge.TotalSeconds).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The middleware: answers preflights of <c>/v1/...</c> and marks what an allowed origin may read.</summary>
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var origin = request.Headers.Origin;
        if (origin.Count == 0 || !request.Path.StartsWithSegments(PathPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return next(context);
        }

        var allowed = origin.Count == 1 && IsAllowed(origin[0]!);
        if (HttpMethods.IsOptions(request.Method) && request.Headers.AccessControlRequestMethod.Count > 0)
        {
            return PreflightAsync(context, allowed);
        }

        if (allowed)
        {
            context.Response.OnStarting(_anyOrigin ? AllowAnyOrigin : AllowRequestOrigin, context);
        }

        return next(context);
    }

    private bool IsAllowed(string origin)
    {
        if (_anyOrigin || _origins.Contains(origin))
        {
            return true;
        }

        foreach (var (scheme, hostSuffix) in _subdomainPatterns)
        {
            // scheme://label(s).host[:port]: what comes before the suffix is one or more host labels, nothing else.
            if (origin.Length > scheme.Length + hostSuffix.Length
                && origin.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
                && origin.EndsWith(hostSuffix, StringComparison.OrdinalIgnoreCase)
                && IsHostLabels(origin.AsSpan(scheme.Length, origin.Length - scheme.Length - hostSuffix.Length)))
            {
                return true;
            }
        }

        return false;
    }

    private Task PreflightAsync(HttpContext context, bool allowed)
    {
        var messages = context.Request.Path.StartsWithSegments("/v1/messages", StringComparison.OrdinalIgnoreCase);
        if (messages)
        {
            MessagesHandler.StampRequestIds(context);
        }
        else
        {
            RequestId.Stamp(context);
        }

        var headers = context.Response.Headers;
        if (!allowed)
        {
            // No Access-Control-Allow-Origin: the browser refuses the request; the body says why to whoever reads the network log.
            var message = $"Cross-origin requests from '{context.Request.Headers.Origin}' are not allowed.";
            return messages
                ? AnthropicErrorResponse.WriteAsync(context, StatusCodes.Status403Forbidden, message)
                : OpenAIErrorResponse.WriteAsync(context, StatusCodes.Status403Forbidden, message, code: "origin_not_allowed");
        }

        headers.AccessControlAllowOrigin = _anyOrigin ? "*" : context.Request.Headers.Origin;
        headers.AccessControlAllowMethods = AllowedMethods;
        var requested = context.Request.Headers.AccessControlRequestHeaders;
        if (requested.Count > 0)
        {
            // Authorization is never covered by a wildcard: the headers asked for are named back.
            headers.AccessControlAllowHeaders = requested;
        }

        headers.AccessControlMaxAge = _maxAge;
        headers.Vary = _anyOrigin ? HeaderNames.AccessControlRequestHeaders : "Origin, Access-Control-Request-Headers";
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private static bool IsSubdomainPattern(string origin) => origin.Contains("://*.", StringComparison.Ordinal);

    private static (string Scheme, string HostSuffix) SplitPattern(string pattern)
    {
        var star = pattern.IndexOf("://*.", StringComparison.Ordinal);
        return (pattern[..(star + 3)], pattern[(star + 4)..]);
    }

    private static bool IsHostLabels(ReadOnlySpan<char> labels)
    {
        if (labels[0] == '.' || labels[^1] == '.' || labels.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in labels)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }
}
