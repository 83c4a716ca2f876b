using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Errors;
using MassRouter.Gateway.Forwarding;
using MassRouter.Gateway.Providers;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Telemetry;
using Yarp.ReverseProxy.Forwarder;

namespace MassRouter.Gateway.StoredResponses;

/// <summary>
/// OpenAI's stored-response endpoints — <c>GET</c> and <c>DELETE /v1/responses/{id}</c>, <c>POST …/cancel</c>,
/// <c>GET …/input_items</c> — for responses a provider serving the Responses API stored through the gateway: relayed to
/// that provider (its credential, the client's query) and its answer relayed as it comes, for the account that created the
/// response only. Any other id is not found. Not metered: nothing is generated.
/// </summary>
internal sealed class StoredResponsesHandler(
    ApiKeyAuthenticator authenticator,
    ModelCatalog catalog,
    IStoredResponseIndex index,
    IHttpForwarder forwarder,
    GatewayMetrics metrics,
    ILogger<StoredResponsesHandler> logger)
{
    public Task RetrieveAsync(HttpContext context) => RelayAsync(context, "", forgetOnSuccess: false);

    public Task DeleteAsync(HttpContext context) => RelayAsync(context, "", forgetOnSuccess: true);

    public Task CancelAsync(HttpContext context) => RelayAsync(context, "/cancel", forgetOnSuccess: false);

    public Task InputItemsAsync(HttpContext context) => RelayAsync(context, "/input_items", forgetOnSuccess: false);

    private async Task RelayAsync(HttpContext context, string operation, bool forgetOnSuccess)
    {
        RequestId.Stamp(context);
        var auth = await authenticator.AuthenticateAsync(context);
        if (auth.Key is not { } key)
        {
            metrics.Rejected(auth.Code);
            await ApiKeyAuthenticator.WriteFailureAsync(context, auth);
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
                "The gateway cannot look up stored responses right now; try again shortly.",
                OpenAIErrorResponse.ServerError,
                code: "stored_responses_unavailable");
            return;
        }

        // Another account's response is as unknown as one that never was: its existence is not disclosed.
        if (holder is not { } found || found.Owner != StoredResponseHolder.OwnerOf(key) || Provider(found.Provider) is not { ResponsesUrl: { } responsesUrl } provider)
        {
            metrics.Rejected("response_not_found");
            await OpenAIErrorResponse.WriteAsync(
                context,
                StatusCodes.Status404NotFound,
                $"Response with id '{id}' not found. The gateway relays only responses a provider stored through it (store not false), to the account that created them.",
                param: "response_id",
                code: "response_not_found");
            return;
        }

        context.Response.Headers["x-massrouter-provider"] = provider.Name;
        var transformer = new StoredResponseTransformer(provider, responsesUrl + "/" + Uri.EscapeDataString(id) + operation);
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

        if (error != ForwarderError.None)
        {
            await ForwardingErrors.WriteForwardErrorAsync(context, error, provider.Name, logger);
        }
        else if (forgetOnSuccess && context.Response.StatusCode is >= 200 and < 300)
        {
            index.Forget(id);
        }
    }

    private ProviderEndpoint? Provider(string name)
    {
        foreach (var provider in catalog.Providers)
        {
            if (provider.SpeaksResponses && string.Equals(provider.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return provider;
            }
        }

        return null;
    }
}
