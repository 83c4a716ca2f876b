using MassRouter.Gateway.Forwarding;
using MassRouter.Gateway.Providers;
using Yarp.ReverseProxy.Forwarder;

namespace MassRouter.Gateway.StoredResponses;

/// <summary>
/// One call on stored state relayed to the provider holding it (<see cref="StoredResponsesHandler"/>): the
/// client's headers with its credentials and other client-only headers replaced by the provider's, to
/// <paramref name="url"/> with the client's query; the answer relayed as it comes, provider-only headers removed.
/// </summary>
internal sealed class StoredResponseTransformer(ProviderEndpoint provider, string url) : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        var headers = proxyRequest.Headers;
        headers.Host = null;
        ClientOnlyHeaders.RemoveFrom(headers);
        headers.Remove(StoredResponsesHandler.ProviderHeader);
        provider.ApplyHeaders(headers, keepClientAnthropicVersion: false);
        proxyRequest.RequestUri = new Uri(url + httpContext.Request.QueryString);
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var relayed = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (proxyResponse is not null)
        {
            ProviderOnlyHeaders.RemoveFrom(httpContext.Response.Headers, proxyResponse.Headers.NonValidated);
        }

        return relayed;
    }
}
