using MassRouter.Core.Money;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Providers;
using MassRouter.Gateway.Resilience;
using Yarp.ReverseProxy.Forwarder;

namespace MassRouter.Gateway.Routing;

/// <summary>One place a public model is served: a provider, the upstream model id, its URL, priority and health.</summary>
internal sealed class Deployment
{
    public Deployment(string publicModel, ProviderEndpoint provider, string upstreamModel, int weight, int priority, DeploymentHealth health, TimeSpan? firstTokenTimeout, PriceTable prices, ModelPrice? ownPrice)
    {
        _prices = prices;
        _ownPrice = ownPrice;
        PublicModel = publicModel;
        Provider = provider;
        UpstreamModel = upstreamModel;
        Weight = Math.Max(1, weight);
        Priority = priority;
        Health = health;
        ChatCompletionsUri = new Uri(provider.ChatCompletionsUrl(upstreamModel));
        StreamUri = new Uri(provider.ChatCompletionsUrl(upstreamModel, stream: true));
        EmbeddingsUri = provider.EmbeddingsUrl(upstreamModel) is { } embeddings ? new Uri(embeddings) : null;
        CompletionsUri = provider.CompletionsUrl(upstreamModel) is { } completions ? new Uri(completions) : null;
        ModerationsUri = provider.ModerationsUrl is { } moderations ? new Uri(moderations) : null;
        ResponsesUri = provider.ResponsesUrl is { } responses ? new Uri(responses) : null;
        ResponsesCompactUri = provider.ResponsesUrl is { } compact ? new Uri(compact + "/compact") : null;
        FirstTokenTimeout = firstTokenTimeout ?? provider.ActivityTimeout;
        HasOwnFirstTokenTimeout = firstTokenTimeout is not null;
        StreamingRequestConfig = firstTokenTimeout is { } timeout
            ? provider.RequestConfig with { ActivityTimeout = timeout }
            : provider.RequestConfig;
    }

    private readonly PriceTable _prices;
    private readonly ModelPrice? _ownPrice;

    /// <summary>What a request answered here costs: the deployment's own price, else its model's (current, so a price
    /// change from the control plane applies at once).</summary>
    public ModelPrice Price => _ownPrice ?? _prices.For(PublicModel);

    /// <summary>The public model id this deployment serves.</summary>
    public string PublicModel { get; }

    public ProviderEndpoint Provider { get; }

    public string UpstreamModel { get; }

    public int Weight { get; }

    /// <summary>Lower is tried first; equal priorities share load.</summary>
    public int Priority { get; }

    /// <summary>Circuit, in-flight count and latency, shared with every model routed to the same provider and upstream model.</summary>
    public DeploymentHealth Health { get; }

    /// <summary>Precomputed so the hot path builds no strings.</summary>
    public Uri ChatCompletionsUri { get; }

    /// <summary>Longest wait for a stream's first event (and for response headers) before another deployment is tried.</summary>
    public TimeSpan FirstTokenTimeout { get; }

    /// <summary>
    /// The model sets a first-token timeout of its own (<see cref="Configuration.ModelOptions.FirstTokenTimeout"/>): a
    /// stream without a first event by then goes to the next deployment, so nothing may be committed to the client before.
    /// </summary>
    public bool HasOwnFirstTokenTimeout { get; }

    /// <summary>Forwarder settings for streamed requests: the header wait is bounded by <see cref="FirstTokenTimeout"/>.
    /// Non-streamed answers arrive whole after generation, so they wait up to the provider's activity timeout.</summary>
    public ForwarderRequestConfig StreamingRequestConfig { get; }

    /// <summary>The URL for streamed requests (differs from <see cref="ChatCompletionsUri"/> only for Gemini).</summary>
    public Uri StreamUri { get; }

    /// <summary>The URL for embeddings requests; null when the provider has no OpenAI-compatible embeddings API.</summary>
    public Uri? EmbeddingsUri { get; }

    /// <summary>The URL for legacy completions requests (streamed or not); null when the provider has no OpenAI-compatible API.</summary>
    public Uri? CompletionsUri { get; }

    /// <summary>The URL for moderations requests; null when the provider has no OpenAI-compatible Moderations API.</summary>
    public Uri? ModerationsUri { get; }

    /// <summary>The URL for Responses requests sent as the client wrote them; null when the provider does not speak the Responses API.</summary>
    public Uri? ResponsesUri { get; }

    /// <summary>The Responses API's compaction URL (<c>.../responses/compact</c>); null when the provider does not speak the Responses API.</summary>
    public Uri? ResponsesCompactUri { get; }
}
