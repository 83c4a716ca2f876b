using System.Runtime.CompilerServices;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Errors;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Telemetry;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress;
using MassRouter.Gateway.Transforms.Ingress.Anthropic;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// What every Anthropic route (<c>/v1/messages</c>, its <c>count_tokens</c>) checks first, in Anthropic's words: the key,
/// a JSON body within the limit (decoded if compressed), a model the catalog has and the key may use, and the gateway's
/// own fields (<c>models</c> and <c>provider</c>, as on <c>/v1/chat/completions</c>), read and removed from the body so
/// that no provider ever sees them. The body is the caller's to dispose.
/// </summary>
internal readonly record struct AnthropicRouteRequest(
    string RequestId, ApiKeyInfo Key, PooledBufferWriter Body, ModelRoute Route, bool Stream, IReadOnlyList<string>? Fallbacks, ProviderPreferences? Preferences)
{
    /// <summary>The request, or null once its error has been written and counted.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<AnthropicRouteRequest?> ReadAsync(
        HttpContext context, ApiKeyAuthenticator authenticator, ModelCatalog catalog, GatewayMetrics metrics, long maxBodyBytes)
    {
        var requestId = MessagesHandler.StampRequestIds(context);
        var auth = await authenticator.AuthenticateAsync(context);
        if (auth.Key is not { } key)
        {
            metrics.Rejected(auth.Code);
            await AnthropicErrorResponse.WriteAuthFailureAsync(context, auth);
            return null;
        }

        if (!JsonMediaType.IsJson(context.Request.ContentType))
        {
            metrics.Rejected("unsupported_media_type");
            await AnthropicErrorResponse.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, JsonMediaType.Unsupported(context.Request.ContentType));
            return null;
        }

        var (body, bodyFailure) = await RequestBodyReader.ReadAsync(context, maxBodyBytes);
        if (body is null)
        {
            var (status, reason) = RequestBodyReader.StatusOf(bodyFailure);
            metrics.Rejected(reason);
            await AnthropicErrorResponse.WriteAsync(context, status, RequestBodyReader.Message(bodyFailure, context, maxBodyBytes));
            return null;
        }

        var (refusal, route, stream, hasRoutingFields) = Check(body, catalog, key, out var error);
        IReadOnlyList<string>? fallbacks = null;
        ProviderPreferences? preferences = null;
        if (refusal == 0 && hasRoutingFields)
        {
            if (GatewayRoutingFields.TryRead(body.WrittenSpan, out fallbacks, out preferences, out var ranges, out var fieldError))
            {
                var stripped = new PooledBufferWriter(body.WrittenCount);
                GatewayRoutingFields.Remove(body.WrittenSpan, ranges, stripped);
                body.Dispose();
                body = stripped;
            }
            else
            {
                (refusal, error) = (StatusCodes.Status400BadRequest, (fieldError.Code ?? "invalid_request", fieldError.Message!));
            }
        }

        if (refusal == 0)
        {
            return new AnthropicRouteRequest(requestId, key, body, route!, stream, fallbacks, preferences);
        }

        body.Dispose();
        metrics.Rejected(error.Reason);
        await AnthropicErrorResponse.WriteAsync(context, refusal, error.Message);
        return null;
    }

    private static (int Status, ModelRoute? Route, bool Stream, bool HasRoutingFields) Check(
        PooledBufferWriter body, ModelCatalog catalog, ApiKeyInfo key, out (string Reason, string Message) error)
    {
        if (!ModelFieldRewriter.TryReadRouting(body.WrittenSpan, out var model, out var stream, out var hasRoutingFields))
        {
            var invalidJson = JsonSyntaxError.TryFind(body.WrittenSpan, out var syntaxError);
            error = invalidJson
                ? ("invalid_json", syntaxError)
                : ("invalid_request", "model: Field required (the body must be a JSON object naming a model)");
            return (StatusCodes.Status400BadRequest, null, false, false);
        }

        if (!catalog.TryGet(model, out var route))
        {
            error = ("model_not_found", $"model: {model}");
            return (StatusCodes.Status404NotFound, null, false, false);
        }

        if (!key.MayUse(route.Id))
        {
            error = ("model_not_allowed", $"This API key is not allowed to use the model '{route.Id}'.");
            return (StatusCodes.Status403Forbidden, null, false, false);
        }

        error = default;
        return (0, route, stream, hasRoutingFields);
    }
}
