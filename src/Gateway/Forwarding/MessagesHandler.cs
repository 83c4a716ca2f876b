using System.Diagnostics;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Errors;
using MassRouter.Gateway.Limits;
using MassRouter.Gateway.Resilience;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Telemetry;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Anthropic;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// <c>POST /v1/messages</c>, Anthropic's Messages API: the same authentication, routing and metering as the OpenAI route.
/// Anthropic-kind deployments get the request as it came (model replaced); OpenAI-kind deployments get it translated to
/// chat completions and their answer translated back. Every error is Anthropic-shaped.
/// </summary>
internal sealed class MessagesHandler(
    IHttpForwarder forwarder,
    ApiKeyAuthenticator authenticator,
    ModelCatalog catalog,
    GatewayMetrics metrics,
    IOptions<GatewayOptions> options,
    ILogger<MessagesHandler> logger)
{
    public const string AnthropicRequestIdHeader = "request-id";

    private readonly long _maxBodyBytes = options.Value.MaxRequestBodyBytes;

    public async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = RequestId.Resolve(context);
        context.Response.Headers[RequestId.HeaderName] = requestId;

        // Anthropic's SDKs report "request-id" with every error.
        context.Response.Headers[AnthropicRequestIdHeader] = requestId;

        var auth = await authenticator.AuthenticateAsync(context);
        if (auth.Key is not { } key)
        {
            metrics.Rejected(auth.Code);
            if (auth.Failure == AuthFailure.Throttled)
            {
                RateLimitHeaders.WriteRetryAfter(context.Response, auth.RetryAfter);
                await AnthropicErrorResponse.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Too many unauthenticated requests from your address. Please try again later.");
                return;
            }

            await AnthropicErrorResponse.WriteAsync(
                context,
                StatusCodes.Status401Unauthorized,
                auth.Failure == AuthFailure.MissingKey ? "x-api-key header is required (or send 'Authorization: Bearer YOUR_KEY')." : "invalid x-api-key");
            return;
        }

        using var body = await RequestBodyReader.ReadAsync(context, _maxBodyBytes);
        if (body is null)
        {
            metrics.Rejected("request_too_large");
            await AnthropicErrorResponse.WriteAsync(
                context, StatusCodes.Status413PayloadTooLarge, $"The request body is larger than the {_maxBodyBytes} bytes this gateway accepts.");
            return;
        }

        if (!AnthropicModelRewriter.TryReadRouting(body.WrittenSpan, out var model, out var stream))
        {
            metrics.Rejected("invalid_request");
            await AnthropicErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, "model: Field required (the body must be a JSON object naming a model)");
            return;
        }

        if (!catalog.TryGet(model, out var route))
        {
            metrics.Rejected("model_not_found");
            await AnthropicErrorResponse.WriteAsync(context, StatusCodes.Status404NotFound, $"model: {model}");
            return;
        }

        if (!key.MayUse(route.Id))
        {
            metrics.Rejected("model_not_allowed");
            await AnthropicErrorResponse.WriteAsync(context, StatusCodes.Status403Forbidden, $"This API key is not allowed to use the model '{route.Id}'.");
            return;
        }

        // No retries on this route yet: it takes the first deployment routing would try (open circuits skipped).
        var plan = AttemptPlanner.Plan([route], null, out _);
        var deployment = plan.Count > 0 ? plan[0] : route.Deployments[0];
        var provider = deployment.Provider;
        using var outgoing = new PooledBufferWriter(body.WrittenCount + 256);
        if (!TryBuildUpstreamBody(body, deployment, outgoing, out var rejection))
        {
            metrics.Rejected("invalid_request");
            await AnthropicErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, rejection);
            return;
        }

        context.Request.Body = new MemoryStream(outgoing.Array, 0, outgoing.WrittenCount, writable: false);
        context.Request.ContentLength = outgoing.WrittenCount;
        context.Request.ContentType = "application/json";

        var exchange = new MessagesExchange(deployment, route.Id, requestId, stream, metrics, logger);
        var forwardError = await forwarder.SendAsync(context, provider.BaseUrl, provider.Invoker, provider.RequestConfig, exchange);
        if (forwardError != ForwarderError.None && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
            logger.LogWarning("Forwarding /v1/messages to provider {Provider} failed: {Error} {Message}", provider.Name, forwardError, exception?.Message);
            context.Response.Headers["x-massrouter-provider"] = provider.Name;
            await (forwardError == ForwarderError.RequestTimedOut
                ? AnthropicErrorResponse.WriteAsync(context, StatusCodes.Status504GatewayTimeout, $"The provider '{provider.Name}' did not answer in time.")
                : AnthropicErrorResponse.WriteAsync(context, StatusCodes.Status502BadGateway, $"The provider '{provider.Name}' could not be reached."));
        }

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

    /// <summary>
    /// The body for the deployment: Anthropic's own request (model replaced) for Anthropic-kind providers, which validate it
    /// themselves; the chat-completions translation for OpenAI-kind ones, which also validates it. Other kinds are not
    /// reachable from this route yet. On false, <paramref name="rejection"/> is the 400 message.
    /// </summary>
    private static bool TryBuildUpstreamBody(PooledBufferWriter body, Deployment deployment, PooledBufferWriter outgoing, out string rejection)
    {
        rejection = string.Empty;
        switch (deployment.Provider.Kind)
        {
            case "anthropic":
                return AnthropicModelRewriter.TryRewrite(body.WrittenSpan, deployment.UpstreamModel, outgoing);
            case "openai":
                if (AnthropicRequestTranslator.TryTranslate(body.WrittenMemory, outgoing, deployment.UpstreamModel, out _, out var error))
                {
                    return true;
                }

                rejection = error.Message;
                return false;
            default:
                rejection = $"model: served by a '{deployment.Provider.Kind}' provider, which /v1/messages cannot reach yet (supported: openai, anthropic).";
                return false;
        }
    }
}
