using System.Net.Http.Headers;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Errors;
using MassRouter.Gateway.Forwarding;
using MassRouter.Gateway.Providers;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Telemetry;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace MassRouter.Gateway.StoredResponses;

/// <summary>
/// OpenAI's stored state held by a provider serving the Responses API, for the account that created it only:
/// <list type="bullet">
/// <item>a stored response — <c>GET</c> and <c>DELETE /v1/responses/{id}</c>, <c>POST …/cancel</c>, <c>GET …/input_items</c>;</item>
/// <item>a conversation — <c>POST /v1/conversations</c> (on the provider named by the <c>x-massrouter-provider</c> header, or
/// the first serving the Responses API that the key reaches), then <c>GET</c>, <c>POST</c> and <c>DELETE
/// /v1/conversations/{id}</c> and its <c>items</c>.</item>
/// </list>
/// Each call is relayed to the provider holding the object (its credential, the client's query) and its answer relayed as
/// it comes. Any other id is not found. Not metered: nothing is generated.
/// </summary>
internal sealed class StoredResponsesHandler(
    ApiKeyAuthenticator authenticator,
    ModelCatalog catalog,
    IStoredResponseIndex index,
    IHttpForwarder forwarder,
    GatewayMetrics metrics,
    IOptions<GatewayOptions> options,
    ILogger<StoredResponsesHandler> logger,
    Metering.BackgroundCharges? background = null)
{
    /// <summary>The request header naming the provider a new conversation is created on.</summary>
    public const string ProviderHeader = "x-massrouter-provider";

    // Creating a conversation is one quick call; a provider silent this long is not going to answer it.
    private static readonly TimeSpan CreateTimeout = TimeSpan.FromSeconds(60);

    // A Response object larger than this is relayed without being read: the pollers bill it.
    private const int CapturedResponseLimit = 8 * 1024 * 1024;

    private readonly long _maxBodyBytes = options.Value.MaxRequestBodyBytes;

    public Task RetrieveAsync(HttpContext context) => RelayAsync(context, StoredKind.Response, "", forgetOnSuccess: false);

    public Task DeleteAsync(HttpContext context) => RelayAsync(context, StoredKind.Response, "", forgetOnSuccess: true);

    public Task CancelAsync(HttpContext context) => RelayAsync(context, StoredKind.Response, "/cancel", forgetOnSuccess: false);

    public Task InputItemsAsync(HttpContext context) => RelayAsync(context, StoredKind.Response, "/input_items", forgetOnSuccess: false);

    /// <summary><c>GET</c>, <c>POST</c> (metadata) or <c>DELETE /v1/conversations/{id}</c>.</summary>
    public Task ConversationAsync(HttpContext context) =>
        RelayAsync(context, StoredKind.Conversation, "", forgetOnSuccess: HttpMethods.IsDelete(context.Request.Method));

    /// <summary><c>GET</c> or <c>POST /v1/conversations/{id}/items</c>.</summary>
    public Task ConversationItemsAsync(HttpContext context) => RelayAsync(context, StoredKind.Conversation, "/items", forgetOnSuccess: false);

    /// <summary><c>GET</c> or <c>DELETE /v1/conversations/{id}/items/{itemId}</c>.</summary>
    public Task ConversationItemAsync(HttpContext context) =>
        RelayAsync(context, StoredKind.Conversation, "/items/" + Uri.EscapeDataString((string)context.GetRouteValue("itemId")!), forgetOnSuccess: false);

    /// <summary><c>POST /v1/conversations</c>: created on the chosen provider, recorded as the caller's.</summary>
    public async Task CreateConversationAsync(HttpContext context)
    {
        RequestId.Stamp(context);
        if (await AuthenticateAsync(context) is not { } key)
        {
            return;
        }

        if (!JsonMediaType.IsJson(context.Request.ContentType) && context.Request.ContentLength is not (null or 0))
        {
            metrics.Rejected("unsupported_media_type");
            await OpenAIErrorResponse.WriteAsync(
                context, StatusCodes.Status415UnsupportedMediaType, JsonMediaType.Unsupported(context.Request.ContentType), code: "unsupported_media_type");
            return;
        }

        var named = context.Request.Headers[ProviderHeader].ToString();
        if (ConversationProvider(key, named) is not { ConversationsUrl: { } url } provider)
        {
            metrics.Rejected("no_conversations_provider");
            await OpenAIErrorResponse.WriteAsync(
                context,
                StatusCodes.Status400BadRequest,
                named.Length > 0
                    ? $"The provider '{named}' does not serve OpenAI's Responses API for this key's models, so it cannot hold a conversation."
                    : "No provider serving OpenAI's Responses API (which conversations belong to) serves this key's models.",
                param: ProviderHeader,
                code: "no_conversations_provider");
            return;
        }

        var (body, failure) = await RequestBodyReader.ReadAsync(context, _maxBodyBytes);
        if (body is null)
        {
            var (status, code) = RequestBodyReader.StatusOf(failure);
            metrics.Rejected(code);
            await OpenAIErrorResponse.WriteAsync(context, status, RequestBodyReader.Message(failure, context, _maxBodyBytes), code: code);
            return;
        }

        using var owned = body;
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new ReadOnlyMemoryContent(body.WrittenCount == 0 ? "{}"u8.ToArray() : body.WrittenMemory),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        provider.ApplyHeaders(request.Headers, keepClientAnthropicVersion: false);
        context.Response.Headers[ProviderHeader] = provider.Name;

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(CreateTimeout);
        var invoker = provider.Connections.Acquire();
        try
        {
            using var answer = await invoker.SendAsync(request, timeout.Token);
            var bytes = await answer.Content.ReadAsByteArrayAsync(timeout.Token);
            var status = (int)answer.StatusCode;
            if (status is >= 200 and < 300 && StoredResponseIndex.ObjectId(bytes) is { } id)
            {
                index.Record(id, new StoredResponseHolder(StoredResponseHolder.OwnerOf(key), provider.Name));
            }

            metrics.StoredStateRelayed(conversation: true, provider.Name, status);
            context.Response.StatusCode = status;
            context.Response.ContentType = answer.Content.Headers.ContentType?.ToString() ?? "application/json";
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            logger.LogWarning("Creating a conversation on provider {Provider} failed: {Message}", provider.Name, e.Message);
            metrics.StoredStateRelayed(conversation: true, provider.Name, e is OperationCanceledException ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway);
            await (e is OperationCanceledException
                ? OpenAIErrorResponse.WriteAsync(
                    context, StatusCodes.Status504GatewayTimeout, $"The provider '{provider.Name}' did not answer in time.", OpenAIErrorResponse.ServerError, code: "upstream_timeout")
                : OpenAIErrorResponse.WriteAsync(
                    context, StatusCodes.Status502BadGateway, $"The provider '{provider.Name}' could not be reached.", OpenAIErrorResponse.ServerError, code: "upstream_unreachable"));
        }
        finally
        {
            provider.Connections.Release(invoker);
        }
    }

    private async Task RelayAsync(HttpContext context, StoredKind kind, string operation, bool forgetOnSuccess)
    {
        RequestId.Stamp(context);
        if (await AuthenticateAsync(context) is not { } key)
        {
            return;
        }

        var id = (string)context.GetRouteValue("id")!;
        StoredResponseHolder? holder;
        try
        {
            holder = await index.FindAsync(id, context.RequestAborted);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("The stored-response index could not be read ({Message})", e.Message);
            await OpenAIErrorResponse.WriteAsync(
                context,
                StatusCodes.Status503ServiceUnavailable,
                "The gateway cannot look up stored responses and conversations right now; try again shortly.",
                OpenAIErrorResponse.ServerError,
                code: "stored_responses_unavailable");
            return;
        }

        // Another account's object is as unknown as one that never was: its existence is not disclosed.
        var provider = holder is { } found && found.Owner == StoredResponseHolder.OwnerOf(key) ? Provider(found.Provider) : null;
        var baseUrl = kind == StoredKind.Response ? provider?.ResponsesUrl : provider?.ConversationsUrl;
        if (provider is null || baseUrl is null)
        {
            metrics.Rejected(kind == StoredKind.Response ? "response_not_found" : "conversation_not_found");
            await (kind == StoredKind.Response
                ? OpenAIErrorResponse.WriteAsync(
                    context,
                    StatusCodes.Status404NotFound,
                    $"Response with id '{id}' not found. The gateway relays only responses a provider stored through it (store not false), to the account that created them.",
                    param: "response_id",
                    code: "response_not_found")
                : OpenAIErrorResponse.WriteAsync(
                    context,
                    StatusCodes.Status404NotFound,
                    $"Conversation with id '{id}' not found. The gateway relays only conversations created through it, to the account that created them.",
                    param: "conversation_id",
                    code: "conversation_not_found"));
            return;
        }

        if (forgetOnSuccess && kind == StoredKind.Response && background is not null)
        {
            // A background response not yet billed is billed first if it has finished: once deleted, its provider
            // could no longer say what it used.
            await background.CheckNowAsync(id, context.RequestAborted);
        }

        // A background response not yet billed that its client retrieves or cancels: the provider's answer is kept as it
        // is relayed, and bills it if it shows the response finished (the pollers would only later).
        var held = kind == StoredKind.Response && background is not null && ShowsTheResponse(context, operation)
            ? await background.HeldAsync(id)
            : null;
        using var captured = held is null ? null : CapturedBody.Install(context, CapturedResponseLimit);

        context.Response.Headers[ProviderHeader] = provider.Name;
        var transformer = new StoredResponseTransformer(provider, baseUrl + "/" + Uri.EscapeDataString(id) + operation);
        var invoker = provider.Connections.Acquire();
        ForwarderError error;
        try
        {
            error = await forwarder.SendAsync(context, provider.BaseUrl, invoker, provider.RequestConfig, transformer);
        }
        finally
        {
            provider.Connections.Release(invoker);
        }

        // A client that left did not see the answer whole: it bills nothing here (the pollers will).
        var seen = captured is not null && await captured.EndAsync();

        if (error != ForwarderError.None)
        {
            await ForwardingErrors.WriteForwardErrorAsync(context, error, provider.Name, logger);
        }
        else if (forgetOnSuccess && context.Response.StatusCode is >= 200 and < 300)
        {
            index.Forget(id);
        }
        else if (seen && context.Response.StatusCode == StatusCodes.Status200OK && captured!.Kept is { } answer)
        {
            try
            {
                await background!.SettleIfFinishedAsync(held!, answer);
            }
            catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
            {
                // Billed (journalled) but not forgotten: a poller settles it again, which its marker makes a no-op, and forgets it.
                logger.LogWarning("Background response {ResponseId} was billed but its charge not cleared: {Message}", id, e.Message);
            }
        }

        metrics.StoredStateRelayed(kind == StoredKind.Conversation, provider.Name, context.Response.StatusCode);
    }

    /// <summary>
    /// Whether the provider answers this call with the Response object itself: a retrieval (not its resumed event
    /// stream, <c>?stream=true</c>) or a cancel.
    /// </summary>
    private static bool ShowsTheResponse(HttpContext context, string operation) =>
        operation == "/cancel"
        || (operation.Length == 0 && HttpMethods.IsGet(context.Request.Method)
            && !string.Equals(context.Request.Query["stream"], "true", StringComparison.OrdinalIgnoreCase));

    private async ValueTask<ApiKeyInfo?> AuthenticateAsync(HttpContext context)
    {
        var auth = await authenticator.AuthenticateAsync(context);
        if (auth.Key is not { } key)
        {
            metrics.Rejected(auth.Code);
            await ApiKeyAuthenticator.WriteFailureAsync(context, auth);
        }

        return auth.Key;
    }

    /// <summary>A catalog provider serving the Responses API, by name.</summary>
    private ProviderEndpoint? Provider(string name) => catalog.Provider(name) is { SpeaksResponses: true } provider ? provider : null;

    /// <summary>
    /// Where a new conversation goes: a provider serving the Responses API behind a model the key may use — the one
    /// <paramref name="named"/>, or else the first in the catalog's order.
    /// </summary>
    private ProviderEndpoint? ConversationProvider(ApiKeyInfo key, string named)
    {
        foreach (var route in catalog.Models)
        {
            if (!key.MayUse(route.Id))
            {
                continue;
            }

            foreach (var deployment in route.Deployments)
            {
                var provider = deployment.Provider;
                if (provider.SpeaksResponses && (named.Length == 0 || string.Equals(provider.Name, named, StringComparison.OrdinalIgnoreCase)))
                {
                    return provider;
                }
            }
        }

        return null;
    }

    private enum StoredKind
    {
        Response,
        Conversation,
    }
}
