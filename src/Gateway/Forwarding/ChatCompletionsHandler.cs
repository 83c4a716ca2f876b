using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Caching;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Errors;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Resilience;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.StoredResponses;
using MassRouter.Gateway.Telemetry;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress;
using MassRouter.Gateway.Transforms.Ingress.Responses;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// <c>POST /v1/chat/completions</c>, <c>POST /v1/embeddings</c> and <c>POST /v1/responses</c>: authenticate, validate, route
/// by model, rewrite, forward, relay, count. They differ only in how the body is read, where it is sent and how the answer
/// is written: a Responses request is translated once to a chat request (which every provider kind takes, through its
/// codec) and its answer written back as a Response by <see cref="ResponsesClientBody"/>.
/// </summary>
internal sealed class ChatCompletionsHandler(
    ApiKeyAuthenticator authenticator,
    ModelCatalog catalog,
    GatewayMetrics metrics,
    ChatPipeline pipeline,
    InputTokenEstimator estimator,
    IStoredResponseIndex storedResponses,
    IHttpForwarder forwarder,
    IOptions<GatewayOptions> options,
    ILogger<ChatCompletionsHandler> logger,
    ResponseCaching caching)
{
    private readonly long _maxBodyBytes = options.Value.MaxRequestBodyBytes;
    private readonly string _defaultModerationModel = options.Value.DefaultModerationModel;

    public Task HandleAsync(HttpContext context) => HandleRouteAsync(context, ClientApi.ChatCompletions);

    public Task HandleEmbeddingsAsync(HttpContext context) => HandleRouteAsync(context, ClientApi.Embeddings);

    /// <summary>
    /// <c>POST /v1/completions</c>, OpenAI's legacy Completions API (vLLM, Ollama and code-completion clients use it for raw
    /// prompts and fill-in-the-middle): passed through to OpenAI-compatible deployments like chat completions (model
    /// replaced, usage asked for on a stream and its chunk removed again when the client did not ask), metered, resilient.
    /// </summary>
    public Task HandleCompletionsAsync(HttpContext context) => HandleRouteAsync(context, ClientApi.Completions);

    /// <summary>
    /// <c>POST /v1/moderations</c>, OpenAI's Moderations API (the SDKs' <c>moderations.create</c>): passed through to
    /// OpenAI-compatible deployments (model replaced), with the key's limits and the same retries and fallbacks. The answer
    /// reports no usage: metered at the model's price (none: free, as OpenAI's moderations are) for the input's estimate.
    /// </summary>
    public Task HandleModerationsAsync(HttpContext context) => HandleRouteAsync(context, ClientApi.Moderations);

    private async Task HandleRouteAsync(HttpContext context, ClientApi api)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = RequestId.Stamp(context);
        if (await ReadAsync(context) is not var (key, body))
        {
            return;
        }

        using var owned = body;
        var parsed = api == ClientApi.Embeddings
            ? EmbeddingsRequestParser.TryParse(body.WrittenSpan, out var request, out var error)
            : ChatRequestParser.TryParse(body.WrittenSpan, out request, out error);
        using var defaulted = !parsed && api == ClientApi.Moderations && error.Code == "missing_required_parameter"
            ? WithDefaultModerationModel(body)
            : null;
        if (defaulted is not null)
        {
            parsed = ChatRequestParser.TryParse(defaulted.WrittenSpan, out request, out error);
            body = defaulted;
        }
        else if (!parsed && api == ClientApi.Moderations && error.Code == "missing_required_parameter" && _defaultModerationModel.Length > 0)
        {
            error = error with
            {
                Message = $"You must provide a model parameter: this gateway's default moderation model, '{_defaultModerationModel}', is not in its catalog.",
            };
        }

        if (!parsed)
        {
            await RejectAsync(context, error);
            return;
        }

        if (await RouteAsync(context, key, request.Model) is not { } route || await ResolveAsync(context, route, request, key) is not { } routes)
        {
            return;
        }

        if (!caching.TryRead(context, key, api, body.WrittenSpan, request.Stream, route.CacheTtl, out var cache, out var cacheError))
        {
            await RejectAsync(context, new RequestError(cacheError, ResponseCaching.TtlHeader, "invalid_cache_ttl"));
            return;
        }

        // models and provider are the gateway's: removed here, no provider (passthrough or translated) ever sees them.
        using var forwarded = request.GatewayProperties.Any ? new PooledBufferWriter(body.WrittenCount) : null;
        if (forwarded is not null)
        {
            request = GatewayRoutingFields.Remove(body.WrittenSpan, request, forwarded);
        }

        await pipeline.RunAsync(
            context, key, route, routes, forwarded ?? body, request, requestId, started, api: api, cache: cache);
    }

    /// <summary>
    /// A moderation request that left its model out, with <see cref="GatewayOptions.DefaultModerationModel"/> written in
    /// (when one is configured and the catalog has it); null when it stays a 400.
    /// </summary>
    private PooledBufferWriter? WithDefaultModerationModel(PooledBufferWriter body)
    {
        if (_defaultModerationModel.Length == 0 || !catalog.TryGet(_defaultModerationModel, out _))
        {
            return null;
        }

        var defaulted = new PooledBufferWriter(body.WrittenCount + 64);
        if (DefaultModel.TryInsert(body.WrittenSpan, _defaultModerationModel, defaulted))
        {
            return defaulted;
        }

        defaulted.Dispose();
        return null;
    }

    /// <summary>
    /// <c>POST /v1/responses</c>: the request is translated once to the chat request every provider kind takes, and its
    /// answer written back as a Response by <see cref="ResponsesClientBody"/>; deployments whose provider serves the
    /// Responses API itself get the client's own body instead (model replaced) and their answer as it comes. A request
    /// with no chat form (stored responses, hosted or custom tools, ...) can only go to those.
    /// </summary>
    public async Task HandleResponsesAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = RequestId.Stamp(context);
        if (await ReadAsync(context) is not var (key, body))
        {
            return;
        }

        using var owned = body;
        using var chat = new PooledBufferWriter(body.WrittenCount + 256);
        ChatRequestInfo request;
        CodecError? untranslatable = null;
        if (ResponsesRequestTranslator.TryTranslate(body.WrittenMemory, chat, out var responses, out var invalid))
        {
            if (!ChatRequestParser.TryParse(chat.WrittenSpan, out request, out var error))
            {
                await RejectAsync(context, error);
                return;
            }
        }
        else if (invalid.ServedNatively && responses.Model is { Length: > 0 })
        {
            // Only the routing facts are read (model, stream and the gateway's fields, in OpenAI's words); a deployment
            // serving the Responses API validates the rest.
            if (!ChatRequestParser.TryParse(body.WrittenSpan, out request, out var error))
            {
                await RejectAsync(context, error);
                return;
            }

            untranslatable = new CodecError(StatusCodes.Status400BadRequest, invalid.Message, invalid.Param, invalid.Code);
            request = request with { MaxTokens = OutputLimit.Read(body.WrittenSpan, "max_output_tokens"u8) };
        }
        else
        {
            await RejectAsync(context, new RequestError(invalid.Message, invalid.Param, invalid.Code));
            return;
        }

        if (await RouteAsync(context, key, request.Model) is not { } route || await ResolveAsync(context, route, request, key) is not { } routes)
        {
            return;
        }

        var native = NativeIngress.AnyServes(ClientApi.Responses, routes);
        if (untranslatable is not null && !native)
        {
            await RejectAsync(context, new RequestError(invalid.Message, invalid.Param, invalid.Code));
            return;
        }

        if (untranslatable is not null && StoredResponseIndex.ContinuedState(body.WrittenSpan) is { } state)
        {
            if (await ContinueFromAsync(context, key, routes, request, state) is not { } continuing)
            {
                return;
            }

            request = continuing;
        }

        // models and provider are the gateway's: removed from the chat body and from the client's own, so no provider
        // (translated, passthrough or native) ever sees them.
        var sent = untranslatable is null ? chat : body;
        using var forwarded = request.GatewayProperties.Any ? new PooledBufferWriter(sent.WrittenCount) : null;
        if (forwarded is not null)
        {
            request = GatewayRoutingFields.Remove(sent.WrittenSpan, request, forwarded);
        }

        var ownRanges = untranslatable is null && native && forwarded is not null && ChatRequestParser.TryParse(body.WrittenSpan, out var own, out _)
            ? own.GatewayProperties
            : default;
        using var ownForwarded = ownRanges.Any ? new PooledBufferWriter(body.WrittenCount) : null;
        if (ownForwarded is not null)
        {
            GatewayRoutingFields.Remove(body.WrittenSpan, ownRanges, ownForwarded);
        }

        var nativeBody = untranslatable is not null ? forwarded ?? body : ownForwarded ?? body;
        using var dialect = native
            ? ResponsesClientBody.Install(context, route.Id, responses, storedResponses, StoredResponseHolder.OwnerOf(key))
            : ResponsesClientBody.Install(context, route.Id, responses);
        try
        {
            await pipeline.RunAsync(
                context,
                key,
                route,
                routes,
                untranslatable is null ? forwarded ?? chat : nativeBody,
                request,
                requestId,
                started,
                native ? new NativeIngress(ClientApi.Responses, nativeBody, untranslatable, Background: untranslatable is not null && StoredResponseIndex.RequestsBackground(body.WrittenSpan)) : null,
                dialect);
        }
        finally
        {
            // Errors written before any attempt (metering's 429/402, unavailable deployments) are still held.
            await dialect.FinishAsync();
        }
    }

    /// <summary>
    /// A continuation of stored state (<c>previous_response_id</c> or <c>conversation</c>): only the provider that stores it
    /// holds it, so when the gateway knows which one and the plan has deployments on it, the request may go only to those;
    /// another account's is refused as unknown, before any provider sees the id. State the gateway does not know (stored
    /// before it was recorded, or directly at the provider) leaves the plan as it is. Null once the error is written.
    /// </summary>
    private async ValueTask<ChatRequestInfo?> ContinueFromAsync(HttpContext context, ApiKeyInfo key, ModelRoute[] routes, ChatRequestInfo request, StateReference state)
    {
        StoredResponseHolder? holder;
        try
        {
            holder = await storedResponses.FindAsync(state.Id, context.RequestAborted);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Without the index the request goes as it would have without it: the provider that holds the state answers.
            logger.LogWarning("The stored-response index could not be read ({Message}); the continuation is not routed", e.Message);
            return request;
        }

        if (holder is not { } found)
        {
            return request;
        }

        if (found.Owner != StoredResponseHolder.OwnerOf(key))
        {
            // As the Responses API answers for state it does not hold.
            metrics.Rejected(state.Conversation ? "conversation_not_found" : "previous_response_not_found");
            await (state.Conversation
                ? OpenAIErrorResponse.WriteAsync(
                    context, StatusCodes.Status404NotFound, $"Conversation with id '{state.Id}' not found.", param: "conversation", code: "conversation_not_found")
                : OpenAIErrorResponse.WriteAsync(
                    context, StatusCodes.Status400BadRequest, $"Previous response with id '{state.Id}' not found.", param: "previous_response_id", code: "previous_response_not_found"));
            return null;
        }

        var preferences = request.Provider;
        if ((preferences is { Only.Count: > 0 } && !preferences.Only.Contains(found.Provider, StringComparer.OrdinalIgnoreCase)) || !Holds(routes, found.Provider))
        {
            // The client's preferences or the model's deployments leave the holder out: as the client asked.
            return request;
        }

        return request with
        {
            Provider = new ProviderPreferences
            {
                Only = [found.Provider],
                Order = preferences?.Order ?? [],
                Ignore = preferences?.Ignore ?? [],
                AllowFallbacks = preferences?.AllowFallbacks ?? true,
                Sort = preferences?.Sort,
            },
        };

        static bool Holds(ModelRoute[] routes, string provider)
        {
            foreach (var route in routes)
            {
                foreach (var deployment in route.Deployments)
                {
                    if (deployment.Provider.SpeaksResponses && string.Equals(deployment.Provider.Name, provider, StringComparison.OrdinalIgnoreCase))
                    {
                        return true;
                    }
                }
            }

            return false;
        }
    }

    /// <summary>
    /// <c>POST /v1/responses/compact</c>: a Responses conversation compacted by the model (Codex's remote compaction), which
    /// only a provider serving the Responses API itself can do: the client's body goes to such deployments of the model's
    /// plan (model replaced, the gateway's fields removed) and their answer comes back as it came, metered by its usage.
    /// </summary>
    public async Task HandleCompactAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = RequestId.Stamp(context);
        if (await ReadAsync(context) is not var (key, body))
        {
            return;
        }

        using var owned = body;

        // Only the routing facts are read (model and the gateway's fields); the provider validates the rest. The answer is
        // one JSON object: compaction does not stream.
        if (!ChatRequestParser.TryParse(body.WrittenSpan, out var request, out var error))
        {
            await RejectAsync(context, error);
            return;
        }

        if (await RouteAsync(context, key, request.Model) is not { } route || await ResolveAsync(context, route, request, key) is not { } routes)
        {
            return;
        }

        var refusal = new RequestError(
            $"The model '{route.Id}' has no deployment whose provider serves OpenAI's Responses API, which compaction needs.", "model", "unsupported_model");
        if (!NativeIngress.AnyServes(ClientApi.Responses, routes))
        {
            await RejectAsync(context, refusal);
            return;
        }

        // A compaction of a stored response's context is the provider's that holds it, as the response's continuation is.
        if (StoredResponseIndex.ContinuedState(body.WrittenSpan) is { } state)
        {
            if (await ContinueFromAsync(context, key, routes, request, state) is not { } continuing)
            {
                return;
            }

            request = continuing;
        }

        using var forwarded = request.GatewayProperties.Any ? new PooledBufferWriter(body.WrittenCount) : null;
        if (forwarded is not null)
        {
            request = GatewayRoutingFields.Remove(body.WrittenSpan, request, forwarded);
        }

        var sent = forwarded ?? body;
        var untranslatable = new CodecError(StatusCodes.Status400BadRequest, refusal.Message!, refusal.Param, refusal.Code);
        await pipeline.RunAsync(
            context, key, route, routes, sent, request with { Stream = false }, requestId, started, new NativeIngress(ClientApi.Responses, sent, untranslatable, Compaction: true));
    }

    /// <summary>
    /// <c>POST /v1/responses/input_tokens</c>: the input tokens of a Responses request (the OpenAI SDKs'
    /// <c>responses.inputTokens.count</c>), the gateway's o200k estimate of its instructions, input and tools
    /// (<see cref="InputTokenEstimator"/>), whatever provider the model has. Not metered or rate limited.
    /// </summary>
    public async Task HandleInputTokensAsync(HttpContext context)
    {
        RequestId.Stamp(context);
        if (await ReadAsync(context) is not var (key, body))
        {
            return;
        }

        using var owned = body;
        using var chat = new PooledBufferWriter(body.WrittenCount + 256);
        var translatable = ResponsesRequestTranslator.TryTranslate(body.WrittenMemory, chat, out var responses, out var invalid);
        if (!translatable && !(invalid.ServedNatively && responses.Model is { Length: > 0 }))
        {
            await RejectAsync(context, new RequestError(invalid.Message, invalid.Param, invalid.Code));
            return;
        }

        // The routing facts of the client's own body (model and the gateway's fields), in OpenAI's words.
        if (!ChatRequestParser.TryParse(body.WrittenSpan, out var request, out var error))
        {
            await RejectAsync(context, error);
            return;
        }

        if (await RouteAsync(context, key, request.Model) is not { } route)
        {
            return;
        }

        // A count including stored state (previous_response_id, conversation) is the provider's that holds it, as the
        // response would be.
        if (!translatable && StoredResponseIndex.ContinuedState(body.WrittenSpan) is { } state)
        {
            if (await ContinueFromAsync(context, key, [route], request, state) is not { } continuing)
            {
                return;
            }

            request = continuing;
        }

        // The deployment a response would go to first, its circuit and the request's provider preferences considered: one
        // serving the Responses API itself counts (the body as sent, model replaced, the gateway's fields removed).
        var plan = AttemptPlanner.Plan([route], request.Provider, out _);
        if (plan.Count > 0 && plan[0] is { ResponsesUri: { } responsesUri } deployment)
        {
            using var forwarded = request.GatewayProperties.Any ? new PooledBufferWriter(body.WrittenCount) : null;
            if (forwarded is not null)
            {
                GatewayRoutingFields.Remove(body.WrittenSpan, request.GatewayProperties, forwarded);
            }

            using var upstreamBody = new PooledBufferWriter(body.WrittenCount + deployment.UpstreamModel.Length + 16);
            if (ModelFieldRewriter.TryRewrite((forwarded ?? body).WrittenSpan, deployment.UpstreamModel, upstreamBody)
                && await ProviderTokenCount.TryRelayAsync(
                    context, forwarder, logger, deployment, upstreamBody, responsesUri.OriginalString + "/input_tokens", keepClientAnthropicVersion: false))
            {
                metrics.TokenCount(route.Id, estimated: false);
                return;
            }
        }
        else if (!translatable && !NativeIngress.AnyServes(ClientApi.Responses, [route]))
        {
            // No chat form and no provider that could serve it: refused as /v1/responses would refuse it.
            await RejectAsync(context, new RequestError(invalid.Message, invalid.Param, invalid.Code));
            return;
        }

        metrics.TokenCount(route.Id, estimated: true);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(
            string.Create(CultureInfo.InvariantCulture, $"{{\"object\":\"response.input_tokens\",\"input_tokens\":{estimator.Estimate(body.WrittenSpan)}}}"),
            context.RequestAborted);
    }

    /// <summary>The caller's key and the request's JSON body (the caller's to dispose), or null once the error is written.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(ApiKeyInfo Key, PooledBufferWriter Body)?> ReadAsync(HttpContext context)
    {
        var auth = await authenticator.AuthenticateAsync(context);
        if (auth.Key is not { } key)
        {
            metrics.Rejected(auth.Code);
            await ApiKeyAuthenticator.WriteFailureAsync(context, auth);
            return null;
        }

        if (!JsonMediaType.IsJson(context.Request.ContentType))
        {
            metrics.Rejected("unsupported_media_type");
            await OpenAIErrorResponse.WriteAsync(
                context,
                StatusCodes.Status415UnsupportedMediaType,
                JsonMediaType.Unsupported(context.Request.ContentType),
                code: "unsupported_media_type");
            return null;
        }

        var (body, bodyFailure) = await RequestBodyReader.ReadAsync(context, _maxBodyBytes);
        if (body is null)
        {
            var (status, code) = RequestBodyReader.StatusOf(bodyFailure);
            metrics.Rejected(code);
            await OpenAIErrorResponse.WriteAsync(context, status, RequestBodyReader.Message(bodyFailure, context, _maxBodyBytes), code: code);
            return null;
        }

        return (key, body);
    }

    /// <summary>The model's route when the catalog has it and the key may use it; else null once the 404 or 403 is written.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    /// <summary>The routes of the model and of the request's fallback <c>models</c>, or null once the error is written.</summary>
    private async ValueTask<ModelRoute[]?> ResolveAsync(HttpContext context, ModelRoute route, ChatRequestInfo request, ApiKeyInfo key)
    {
        var routes = FallbackRoutes.Resolve(catalog, route, request.FallbackModels, key, out var fallbackError);
        if (fallbackError is not { } failure)
        {
            return routes;
        }

        metrics.Rejected(failure.Code);
        await OpenAIErrorResponse.WriteAsync(context, failure.Status, failure.Message, param: "models", code: failure.Code);
        return null;
    }

    /// <summary>A request that is not valid: a 400 in OpenAI's words, counted.</summary>
    private Task RejectAsync(HttpContext context, RequestError error)
    {
        metrics.Rejected(error.Code ?? "invalid_request");
        return OpenAIErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, error.Message!, param: error.Param, code: error.Code);
    }

    private async ValueTask<ModelRoute?> RouteAsync(HttpContext context, ApiKeyInfo key, string model)
    {
        if (!catalog.TryGet(model, out var route))
        {
            metrics.Rejected("model_not_found");
            await OpenAIErrorResponse.WriteAsync(
                context,
                StatusCodes.Status404NotFound,
                $"The model '{model}' does not exist or you do not have access to it.",
                param: "model",
                code: "model_not_found");
            return null;
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
            return null;
        }

        return route;
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
