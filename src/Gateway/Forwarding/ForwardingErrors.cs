using System.Globalization;
using MassRouter.Gateway.Errors;
using Yarp.ReverseProxy.Forwarder;

namespace MassRouter.Gateway.Forwarding;

/// <summary>The OpenAI-shaped answers for requests no provider could serve.</summary>
internal static class ForwardingErrors
{
    /// <summary>True when the forwarder gave up waiting rather than failing to connect.</summary>
    public static bool IsTimeout(HttpContext context, ForwarderError error)
    {
        if (error == ForwarderError.RequestTimedOut)
        {
            return true;
        }

        for (var e = context.Features.Get<IForwarderErrorFeature>()?.Exception; e is not null; e = e.InnerException)
        {
            if (e is TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    public static Task WriteForwardErrorAsync(HttpContext context, ForwarderError error, string provider, ILogger logger)
    {
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            return Task.CompletedTask;
        }

        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        var timedOut = IsTimeout(context, error) || error == ForwarderError.RequestCanceled;
        logger.LogWarning("Forwarding to provider {Provider} failed: {Error} {Message}", provider, error, exception?.Message);
        context.Response.Headers["x-massrouter-provider"] = provider;
        return timedOut
            ? OpenAIErrorResponse.WriteAsync(
                context,
                StatusCodes.Status504GatewayTimeout,
                $"The provider '{provider}' did not answer in time.",
                OpenAIErrorResponse.ServerError,
                code: "upstream_timeout")
            : OpenAIErrorResponse.WriteAsync(
                context,
                StatusCodes.Status502BadGateway,
                $"The provider '{provider}' could not be reached.",
                OpenAIErrorResponse.ServerError,
                code: "upstream_unreachable");
    }

    /// <summary>Every deployment that may serve the request has its circuit open.</summary>
    public static Task WriteUnavailableAsync(HttpContext context, string model, TimeSpan retryAfter)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return OpenAIErrorResponse.WriteAsync(
            context,
            StatusCodes.Status503ServiceUnavailable,
            $"Every provider serving '{model}' is failing right now; try again shortly.",
            OpenAIErrorResponse.ServerError,
            code: "deployments_unavailable");
    }
}
