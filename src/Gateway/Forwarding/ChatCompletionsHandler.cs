using System.Diagnostics;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Errors;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Telemetry;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace MassRouter.Gateway.Forwarding;

/// <summary><c>POST /v1/chat/completions</c>: authenticate, validate, route by model, rewrite, forward, relay, count.</summary>
internal sealed class ChatCompletionsHandler(
    IHttpForwarder forwarder,
    ApiKeyAuthenticator authenticator,
    ModelCatalog catalog,
    GatewayMetrics metrics,
    RequestMeter meter,
    IOptions<GatewayOptions> options,
    ILogger<ChatCompletionsHandler> logger)
{
    private readonly long _maxBodyBytes = options.Value.MaxRequestBodyBytes;

    public async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = RequestId.Resolve(context);
        context.Response.Headers[RequestId.HeaderName] = requestId;

        var auth = await authenticator.AuthenticateAsync(context);
        if (auth.Key is not { } key)
        {
            metrics.Rejected(auth.Code);
            await ApiKeyAuthenticator.WriteFailureAsync(context, auth);
            return;
        }

        if (!IsJson(context.Request.ContentType))
        {
            metrics.Rejected("unsupported_media_type");
            await OpenAIErrorResponse.WriteAsync(
                context,
                StatusCodes.Status415UnsupportedMediaType,
                $"Unsupported Content-Type '{context.Request.ContentType}': send the request body as application/json.",
                code: "unsupported_media_type");
            return;
        }

        using var body = await RequestBodyReader.ReadAsync(context, _maxBodyBytes);
        if (body is null)
        {
            metrics.Rejected("request_too_large");
            await OpenAIErrorResponse.WriteAsync(
                context,
                StatusCodes.Status413PayloadTooLarge,
                $"The request body is larger than the {_maxBodyBytes} bytes this gateway accepts.",
                code: "request_too_large");
            return;
        }

        if (!ChatRequestParser.TryParse(body.WrittenSpan, out var request, out var error))
        {
            metrics.Rejected(error.Code ?? "invalid_request");
            await OpenAIErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, error.Message!, param: error.Param, code: error.Code);
            return;
        }

        if (!catalog.TryGet(request.Model, out var route))
        {
            metrics.Rejected("model_not_found");
            await OpenAIErrorResponse.WriteAsync(
                context,
                StatusCodes.Status404NotFound,
                $"The model '{request.Model}' does not exist or you do not have access to it.",
                param: "model",
                code: "model_not_found");
            return;
        }

        if (!key.MayUse(route.Id))
        {
            metrics.Rejected("model_not_allowed");
            await OpenAIErrorResponse.WriteAsync(
                context,
                StatusCodes.Status403Forbidden,
                $"This API key is not allowed to use the model '{route.Id}'.",
                param: "model",
                code: "model_not_allowed");
            return;
        }

        // Metering: local concurrency limit, then one Redis round trip (RPM/TPM, caps, balance).
        using var metered = await meter.AdmitAsync(context, key, route.Id, body.WrittenSpan);
        if (metered.IsRejected)
        {
            return;
        }

        var deployment = route.Primary;
        using var rewritten = ChatRequestRewriter.NeedsRewrite(request, deployment.UpstreamModel)
            ? new PooledBufferWriter(body.WrittenCount + 64 + (deployment.UpstreamModel.Length * 6))
            : null;
        if (rewritten is not null)
        {
            ChatRequestRewriter.Rewrite(body.WrittenSpan, request, deployment.UpstreamModel, rewritten);
        }

        var outgoing = rewritten ?? body;
        context.Request.Body = new MemoryStream(outgoing.Array, 0, outgoing.WrittenCount, writable: false);
        context.Request.ContentLength = outgoing.WrittenCount;

        var exchange = new ChatExchange(
            deployment,
            route.Id,
            requestId,
            request.Stream,
            stripUsageChunk: ChatRequestRewriter.NeedsUsage(request),
            metrics,
            logger)
        {
            Output = metered.Output,
        };
        var provider = deployment.Provider;
        var forwardError = await forwarder.SendAsync(context, provider.BaseUrl, provider.Invoker, provider.RequestConfig, exchange);
        if (forwardError != ForwarderError.None)
        {
            await WriteForwardErrorAsync(context, forwardError, provider.Name);
        }

        // Metering: queue the charge and usage event; settled in the background, never delaying the response.
        meter.Settle(context, metered, exchange, route.Id, deployment, requestId, started);

        var usage = exchange.Usage;
        metrics.RequestCompleted(new RequestOutcome(
            route.Id,
            provider.Name,
            context.Response.StatusCode,
            started,
            Stopwatch.GetTimestamp(),
            exchange.UpstreamTicks,
            exchange.FirstOutputTimestamp,
            usage.PromptTokens,
            usage.CompletionTokens));
    }

    private Task WriteForwardErrorAsync(HttpContext context, ForwarderError error, string provider)
    {
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            return Task.CompletedTask;
        }

        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        var timedOut = error == ForwarderError.RequestTimedOut || HasTimeout(exception);
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

    private static bool HasTimeout(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is TimeoutException)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            // No Content-Type at all: the body is parsed as JSON and rejected if it is not.
            return true;
        }

        var media = contentType.AsSpan();
        var semicolon = media.IndexOf(';');
        if (semicolon >= 0)
        {
            media = media[..semicolon];
        }

        media = media.Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.EndsWith("+json", StringComparison.OrdinalIgnoreCase) && media.StartsWith("application/", StringComparison.OrdinalIgnoreCase));
    }
}
