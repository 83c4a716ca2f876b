using System.Diagnostics;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Errors;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Telemetry;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// <c>POST /v1/chat/completions</c> and <c>POST /v1/embeddings</c>: authenticate, validate, route by model, rewrite, forward,
/// relay, count. The two differ only in how the body is read and where it is sent.
/// </summary>
internal sealed class ChatCompletionsHandler(
    ApiKeyAuthenticator authenticator,
    ModelCatalog catalog,
    GatewayMetrics metrics,
    ChatPipeline pipeline,
    IOptions<GatewayOptions> options)
{
    private readonly long _maxBodyBytes = options.Value.MaxRequestBodyBytes;

    public Task HandleAsync(HttpContext context) => HandleRouteAsync(context, embeddings: false);

    public Task HandleEmbeddingsAsync(HttpContext context) => HandleRouteAsync(context, embeddings: true);

    private async Task HandleRouteAsync(HttpContext context, bool embeddings)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = RequestId.Stamp(context);

        var auth = await authenticator.AuthenticateAsync(context);
        if (auth.Key is not { } key)
        {
            metrics.Rejected(auth.Code);
            await ApiKeyAuthenticator.WriteFailureAsync(context, auth);
            return;
        }

        if (!JsonMediaType.IsJson(context.Request.ContentType))
        {
            metrics.Rejected("unsupported_media_type");
            await OpenAIErrorResponse.WriteAsync(
                context,
                StatusCodes.Status415UnsupportedMediaType,
                JsonMediaType.Unsupported(context.Request.ContentType),
                code: "unsupported_media_type");
            return;
        }

        var (read, bodyFailure) = await RequestBodyReader.ReadAsync(context, _maxBodyBytes);
        using var body = read;
        if (body is null)
        {
            var (status, code) = RequestBodyReader.StatusOf(bodyFailure);
            metrics.Rejected(code);
            await OpenAIErrorResponse.WriteAsync(context, status, RequestBodyReader.Message(bodyFailure, context, _maxBodyBytes), code: code);
            return;
        }

        var parsed = embeddings
            ? EmbeddingsRequestParser.TryParse(body.WrittenSpan, out var request, out var error)
            : ChatRequestParser.TryParse(body.WrittenSpan, out request, out error);
        if (!parsed)
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

        var routes = FallbackRoutes.Resolve(catalog, route, request.FallbackModels, key, out var fallbackError);
        if (fallbackError is { } failure)
        {
            metrics.Rejected(failure.Code);
            await OpenAIErrorResponse.WriteAsync(context, failure.Status, failure.Message, param: "models", code: failure.Code);
            return;
        }

        // models and provider are the gateway's: removed here, no provider (passthrough or translated) ever sees them.
        using var forwarded = request.GatewayProperties.Any ? new PooledBufferWriter(body.WrittenCount) : null;
        if (forwarded is not null)
        {
            request = GatewayRoutingFields.Remove(body.WrittenSpan, request, forwarded);
        }

        await pipeline.RunAsync(context, key, route, routes, forwarded ?? body, request, requestId, started, embeddings: embeddings);
    }

    internal static Task WriteAuthErrorAsync(HttpContext context, bool missing)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return OpenAIErrorResponse.WriteAsync(
            context,
            StatusCodes.Status401Unauthorized,
            missing
                ? "You didn't provide an API key. Send it as 'Authorization: Bearer YOUR_KEY' (or in the 'x-api-key' header)."
                : "Incorrect API key provided.",
            code: missing ? "missing_api_key" : "invalid_api_key");
    }
}
