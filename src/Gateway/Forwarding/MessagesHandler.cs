using System.Diagnostics;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Errors;
using MassRouter.Gateway.Limits;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Telemetry;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Anthropic;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Translation;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// <c>POST /v1/messages</c>, Anthropic's Messages API, on the same pipeline as the OpenAI route (auth, metering, retries,
/// fallbacks, the request's own <c>models</c> fallbacks and <c>provider</c> preferences, circuit breakers, timeouts, drain). The request is translated once to an OpenAI chat request, which every
/// non-Anthropic deployment gets (through its codec); Anthropic-kind deployments get the client's own body, model replaced.
/// Every answer and error goes back in Anthropic's shape through <see cref="AnthropicClientBody"/>.
/// </summary>
internal sealed class MessagesHandler(
    ApiKeyAuthenticator authenticator,
    ModelCatalog catalog,
    GatewayMetrics metrics,
    ChatPipeline pipeline,
    IOptions<GatewayOptions> options)
{
    public const string AnthropicRequestIdHeader = "request-id";

    private readonly long _maxBodyBytes = options.Value.MaxRequestBodyBytes;

    public async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = StampRequestIds(context);
        var auth = await authenticator.AuthenticateAsync(context);
        if (auth.Key is not { } key)
        {
            metrics.Rejected(auth.Code);
            await AnthropicErrorResponse.WriteAuthFailureAsync(context, auth);
            return;
        }

        if (!JsonMediaType.IsJson(context.Request.ContentType))
        {
            metrics.Rejected("unsupported_media_type");
            await AnthropicErrorResponse.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, JsonMediaType.Unsupported(context.Request.ContentType));
            return;
        }

        var (read, bodyFailure) = await RequestBodyReader.ReadAsync(context, _maxBodyBytes);
        using var body = read;
        if (body is null)
        {
            var (status, reason) = RequestBodyReader.StatusOf(bodyFailure);
            metrics.Rejected(reason);
            await AnthropicErrorResponse.WriteAsync(context, status, RequestBodyReader.Message(bodyFailure, context, _maxBodyBytes));
            return;
        }

        if (!AnthropicModelRewriter.TryReadRouting(body.WrittenSpan, out var model, out var stream, out var hasRoutingFields))
        {
            var invalidJson = JsonSyntaxError.TryFind(body.WrittenSpan, out var syntaxError);
            metrics.Rejected(invalidJson ? "invalid_json" : "invalid_request");
            await AnthropicErrorResponse.WriteAsync(
                context,
                StatusCodes.Status400BadRequest,
                invalidJson ? syntaxError : "model: Field required (the body must be a JSON object naming a model)");
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

        // models and provider are the gateway's, as on /v1/chat/completions: read, then removed before any translation, so
        // neither an Anthropic-kind deployment (the client's own body) nor any other provider ever sees them.
        IReadOnlyList<string>? fallbacks = null;
        ProviderPreferences? preferences = null;
        using var stripped = hasRoutingFields ? new PooledBufferWriter(body.WrittenCount) : null;
        if (stripped is not null)
        {
            if (!GatewayRoutingFields.TryRead(body.WrittenSpan, out fallbacks, out preferences, out var ranges, out var fieldError))
            {
                metrics.Rejected(fieldError.Code ?? "invalid_request");
                await AnthropicErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, fieldError.Message!);
                return;
            }

            GatewayRoutingFields.Remove(body.WrittenSpan, ranges, stripped);
        }

        var routes = FallbackRoutes.Resolve(catalog, route, fallbacks, key, out var fallbackError);
        if (fallbackError is { } failure)
        {
            metrics.Rejected(failure.Code);
            await AnthropicErrorResponse.WriteAsync(context, failure.Status, failure.Message);
            return;
        }

        var anthropicBody = stripped ?? body;

        // One translation for every non-Anthropic attempt. Anthropic-kind deployments validate the request themselves and
        // take what has no chat-completions equivalent (top_k, server tools): only attempts elsewhere are refused then.
        using var chat = new PooledBufferWriter(anthropicBody.WrittenCount + 256);
        ChatRequestInfo request;
        CodecError? untranslatable = null;
        if (AnthropicRequestTranslator.TryTranslate(anthropicBody.WrittenMemory, chat, route.Id, out _, out var invalid))
        {
            if (!ChatRequestParser.TryParse(chat.WrittenSpan, out request, out var error))
            {
                metrics.Rejected(error.Code ?? "invalid_request");
                await AnthropicErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, error.Message!);
                return;
            }

            request = request with { FallbackModels = fallbacks, Provider = preferences };
        }
        else if (routes.Any(static r => r.Deployments.Any(static d => d.Provider.Kind == ProviderKinds.Anthropic)))
        {
            request = new ChatRequestInfo { Model = route.Id, Stream = stream, FallbackModels = fallbacks, Provider = preferences };
            untranslatable = new CodecError(StatusCodes.Status400BadRequest, invalid.Message, null, "invalid_request");
        }
        else
        {
            metrics.Rejected("invalid_request");
            await AnthropicErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, invalid.Message);
            return;
        }

        using var client = AnthropicClientBody.Install(context, route.Id, requestId);
        try
        {
            await pipeline.RunAsync(context, key, route, routes, chat, request, requestId, started, new AnthropicIngress(anthropicBody, client, untranslatable));
        }
        finally
        {
            // Errors written before any attempt (metering's 429/402, unavailable deployments) are still held.
            await client.FinishAsync();
        }
    }

    /// <summary>Sets the request's id on the response, also as <c>request-id</c>: Anthropic's SDKs report that one with every error.</summary>
    internal static string StampRequestIds(HttpContext context)
    {
        var requestId = RequestId.Stamp(context);
        context.Response.Headers[AnthropicRequestIdHeader] = requestId;
        return requestId;
    }
}
