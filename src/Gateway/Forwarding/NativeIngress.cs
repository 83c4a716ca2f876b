using MassRouter.Gateway.Providers;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Telemetry;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Anthropic;
using MassRouter.Gateway.Transforms.Ingress.Responses;
using MassRouter.Gateway.Transforms.Providers;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// A request in a client dialect some providers speak themselves, on the chat pipeline: the client's own body, sent as it
/// is (model replaced) to those providers' deployments — Anthropic-kind ones for <c>/v1/messages</c>, OpenAI-kind ones
/// serving the Responses API for <c>/v1/responses</c> — while every other deployment gets the chat translation.
/// <paramref name="Untranslatable"/>, when set, is why the request has no chat-completions form: only such deployments can
/// take it. <paramref name="Compaction"/>: a Responses compaction (<c>/v1/responses/compact</c>), which only those serve.
/// <paramref name="Background"/>: a Responses request with <c>background: true</c>, answered queued and billed once the
/// provider has finished it (<see cref="Metering.BackgroundCharges"/>).
/// </summary>
internal sealed record NativeIngress(ClientApi Api, PooledBufferWriter Body, CodecError? Untranslatable = null, bool Compaction = false, bool Background = false)
{
    /// <summary>The codec of a native attempt: the request and its answers pass through, usage read on the way.</summary>
    public IChatCodec Codec => Api == ClientApi.Messages ? AnthropicPassthroughCodec.Instance : ResponsesPassthroughCodec.Instance;

    /// <summary>True when <paramref name="provider"/> speaks the client's dialect itself.</summary>
    public bool Serves(ProviderEndpoint provider) => Serves(Api, provider);

    /// <summary>True when some deployment of <paramref name="routes"/> speaks the dialect of <paramref name="api"/> itself.</summary>
    public static bool AnyServes(ClientApi api, ModelRoute[] routes)
    {
        foreach (var route in routes)
        {
            foreach (var deployment in route.Deployments)
            {
                if (Serves(api, deployment.Provider))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool Serves(ClientApi api, ProviderEndpoint provider) =>
        api == ClientApi.Messages ? provider.Kind == ProviderKinds.Anthropic : provider.SpeaksResponses;

    /// <summary>The URL of a native attempt when it is not the deployment's chat URL (the Responses API's).</summary>
    public Uri? RequestUri(Deployment deployment) =>
        Api != ClientApi.Responses ? null : Compaction ? deployment.ResponsesCompactUri : deployment.ResponsesUri;
}
