using Yarp.ReverseProxy.Forwarder;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// One token count sent to a provider (<see cref="ProviderTokenCount"/>): the client's headers as its API's route passes
/// them (credentials and other client-only headers replaced by the provider's; for Anthropic the client's API version and
/// betas kept), to <paramref name="countUrl"/> with the client's query. An answer the provider could not give (5xx, 408,
/// 429) is not relayed: the gateway estimates instead.
/// </summary>
internal sealed class CountTokensTransformer(Routing.Deployment deployment, string countUrl, bool keepClientAnthropicVersion) : HttpTransformer
{
    /// <summary>True when the provider answered with a count or a client error, relayed as it came.</summary>
    public bool Relayed { get; private set; }

    /// <summary>The provider's status when it could not count (0 when it did not answer at all).</summary>
    public int FailedStatus { get; private set; }

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        var headers = proxyRequest.Headers;
        headers.Host = null;
        ClientOnlyHeaders.RemoveFrom(headers);
        var provider = deployment.Provider;
        provider.ApplyHeaders(headers, keepClientAnthropicVersion);
        proxyRequest.RequestUri = new Uri(countUrl + httpContext.Request.QueryString);
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is null)
        {
            return false;
        }

        var status = (int)proxyResponse.StatusCode;
        if (status >= 500 || status is StatusCodes.Status408RequestTimeout or StatusCodes.Status429TooManyRequests)
        {
            FailedStatus = status;
            return false;
        }

        await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        ProviderOnlyHeaders.RemoveFrom(httpContext.Response.Headers, proxyResponse.Headers.NonValidated);
        Relayed = true;
        return true;
    }
}
