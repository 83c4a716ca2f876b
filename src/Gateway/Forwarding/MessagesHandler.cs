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
        if (await AnthropicRouteRequest.ReadAsync(context, authenticator, catalog, metrics, _maxBodyBytes) is not { } read)
        {
            return;
        }

        var (requestId, key, anthropicBody, route, stream, fallbacks, preferences) = read;
        using var bodyOwner = anthropicBody;
        var routes = FallbackRoutes.Resolve(catalog, route, fallbacks, key, out var fallbackError);
        if (fallbackError is { } failure)
        {
            metrics.Rejected(failure.Code);
            await AnthropicErrorResponse.WriteAsync(context, failure.Status, failure.Message);
            return;
        }

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
        else if (NativeIngress.AnyServes(ClientApi.Messages, routes))
        {
            request = new ChatRequestInfo
            {
                Model = route.Id,
                Stream = stream,
                FallbackModels = fallbacks,
                Provider = preferences,
                MaxTokens = OutputLimit.Read(anthropicBody.WrittenSpan, "max_tokens"u8),
                User = EndUser.ReadAnthropic(anthropicBody.WrittenSpan),
            };
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
            await pipeline.RunAsync(context, key, route, routes, chat, request, requestId, started, new NativeIngress(ClientApi.Messages, anthropicBody, untranslatable), client);
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
