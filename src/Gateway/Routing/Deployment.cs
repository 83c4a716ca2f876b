using MassRouter.Gateway.Providers;

namespace MassRouter.Gateway.Routing;

/// <summary>One place a public model is served: a provider, the upstream model id, and its URL there.</summary>
internal sealed class Deployment(ProviderEndpoint provider, string upstreamModel, int weight)
{
    public ProviderEndpoint Provider { get; } = provider;

    public string UpstreamModel { get; } = upstreamModel;

    public int Weight { get; } = weight;

    /// <summary>Precomputed so the hot path builds no strings.</summary>
    public Uri ChatCompletionsUri { get; } = new(provider.ChatCompletionsUrl(upstreamModel));

    /// <summary>The URL for streamed requests (differs from <see cref="ChatCompletionsUri"/> only for Gemini).</summary>
    public Uri StreamUri { get; } = new(provider.ChatCompletionsUrl(upstreamModel, stream: true));
}
