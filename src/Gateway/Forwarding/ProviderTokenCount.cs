using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Transforms.Buffers;
using Yarp.ReverseProxy.Forwarder;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// A request's input tokens counted by the provider a request would go to first (Anthropic's <c>count_tokens</c>, the
/// Responses API's <c>input_tokens</c>): its count, or its client error, relayed as it came. Counting is free: not
/// metered, not rate limited, no circuit touched; a provider that cannot answer leaves the count to the gateway's estimate.
/// </summary>
internal static class ProviderTokenCount
{
    // A count is quick; a provider silent for this long is not going to answer one (the estimate is used instead).
    private static readonly TimeSpan ProviderTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Sends <paramref name="upstreamBody"/> (the model already replaced) to <paramref name="countUrl"/>; false, with the
    /// response reset, when the provider could not count (5xx, 408, 429, unreachable, <see cref="ProviderTimeout"/>).
    /// </summary>
    public static async Task<bool> TryRelayAsync(
        HttpContext context, IHttpForwarder forwarder, ILogger logger, Deployment deployment, PooledBufferWriter upstreamBody, string countUrl, bool keepClientAnthropicVersion)
    {
        var provider = deployment.Provider;
        ProviderRequestBody.Install(context, upstreamBody.WrittenMemory);
        var transformer = new CountTokensTransformer(deployment, countUrl, keepClientAnthropicVersion);
        var invoker = provider.Connections.Acquire();
        ForwarderError error;
        try
        {
            error = await forwarder.SendAsync(context, provider.BaseUrl, invoker, provider.RequestConfig with { ActivityTimeout = ProviderTimeout }, transformer);
        }
        finally
        {
            provider.Connections.Release(invoker);
        }

        if (transformer.Relayed || context.RequestAborted.IsCancellationRequested || context.Response.HasStarted)
        {
            return true;
        }

        logger.LogInformation(
            "Token count of {Model} by provider {Provider} failed ({Status}, {Error}); the gateway's estimate is used",
            deployment.PublicModel, provider.Name, transformer.FailedStatus, error);
        context.Features.Set<IForwarderErrorFeature>(null);
        context.Response.StatusCode = StatusCodes.Status200OK;
        var headers = context.Response.Headers;
        var requestId = headers[RequestId.HeaderName];
        var anthropicRequestId = headers[MessagesHandler.AnthropicRequestIdHeader];
        headers.Clear();
        headers[RequestId.HeaderName] = requestId;
        if (anthropicRequestId.Count > 0)
        {
            headers[MessagesHandler.AnthropicRequestIdHeader] = anthropicRequestId;
        }

        return false;
    }
}
