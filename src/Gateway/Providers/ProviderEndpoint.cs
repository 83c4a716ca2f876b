using System.Net.Http.Headers;
using MassRouter.Core.Catalog;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Transforms.Providers;
using Yarp.ReverseProxy.Forwarder;

namespace MassRouter.Gateway.Providers;

/// <summary>A configured upstream provider: where it lives, how to authenticate, and its own connection pool.</summary>
internal sealed class ProviderEndpoint : IDisposable
{
    public ProviderEndpoint(string name, ProviderOptions options)
    {
        Name = name;
        Kind = options.Kind.ToLowerInvariant();
        Codec = ChatCodecs.ForKind(Kind);
        IsAzure = string.Equals(options.Flavor, "azure", StringComparison.OrdinalIgnoreCase);
        BaseUrl = (Kind == ProviderKinds.Bedrock && options.BaseUrl.Length == 0 && options.Region is { Length: > 0 } region
            ? BedrockEndpoints.ForRegion(region)
            : options.BaseUrl).TrimEnd('/');
        ApiVersion = options.ApiVersion;
        SpeaksResponses = Kind == ProviderKinds.OpenAI
            && (options.Responses ?? (!IsAzure && Uri.TryCreate(BaseUrl, UriKind.Absolute, out var uri) && uri.Host.Equals("api.openai.com", StringComparison.OrdinalIgnoreCase)));
        Credential = options.ApiKey is { Length: > 0 } key
            ? key
            : options.ApiKeyEnvironmentVariable is { Length: > 0 } variable ? Environment.GetEnvironmentVariable(variable) : null;
        if (Kind == ProviderKinds.Bedrock)
        {
            (Credential, Signer) = BedrockCredential(options, BaseUrl, Credential);
        }
        ActivityTimeout = options.ActivityTimeout;
        ExtraHeaders = [.. options.Headers.Select(h => (h.Key, h.Value))];
        RequestConfig = new ForwarderRequestConfig
        {
            ActivityTimeout = options.ActivityTimeout,
            AllowResponseBuffering = false,
        };

        Connections = new ProviderConnections(options);
    }

    /// <summary>Configured name; also the metrics label and the <c>x-massrouter-provider</c> header value.</summary>
    public string Name { get; }

    /// <summary>Wire format.</summary>
    public string Kind { get; }

    /// <summary>The translator to the provider's wire format; null for OpenAI-compatible passthrough.</summary>
    public IChatCodec? Codec { get; }

    /// <summary>True when the provider serves OpenAI's Responses API itself (see <see cref="ProviderOptions.Responses"/>).</summary>
    public bool SpeaksResponses { get; }

    /// <summary>True for Azure OpenAI's path, header and api-version variant.</summary>
    public bool IsAzure { get; }

    /// <summary>Base URL without a trailing slash.</summary>
    public string BaseUrl { get; }

    /// <summary>Azure api-version, or the <c>anthropic-version</c> header value for Anthropic.</summary>
    public string? ApiVersion { get; }

    /// <summary>The secret sent upstream; never logged. For Bedrock signing with access keys, null (see <see cref="Signer"/>).</summary>
    public string? Credential { get; }

    /// <summary>Bedrock with AWS access keys: signs each request (SigV4) once its URI and body are final.</summary>
    public AwsSigV4Signer? Signer { get; }

    /// <summary>Headers added to every request to this provider.</summary>
    public (string Name, string Value)[] ExtraHeaders { get; }

    /// <summary>Longest silence tolerated from the provider.</summary>
    public TimeSpan ActivityTimeout { get; }

    /// <summary>Forwarder settings for this provider.</summary>
    public ForwarderRequestConfig RequestConfig { get; }

    /// <summary>The provider's own connection pools (warm and burst).</summary>
    public ProviderConnections Connections { get; }

    /// <summary>The full chat URL for an upstream model (streaming only changes it for Gemini).</summary>
    public string ChatCompletionsUrl(string upstreamModel, bool stream = false) => Codec is { } codec
        ? BaseUrl + codec.RequestPath(upstreamModel, stream)
        : OpenAIUrl(upstreamModel, "/chat/completions");

    /// <summary>
    /// The full embeddings URL for an upstream model; null for a provider whose wire format is not OpenAI's (the gateway
    /// serves embeddings from OpenAI-compatible APIs only).
    /// </summary>
    public string? EmbeddingsUrl(string upstreamModel) => Codec is null ? OpenAIUrl(upstreamModel, "/embeddings") : null;

    /// <summary>The legacy Completions API's URL (OpenAI-compatible providers only: vLLM, Ollama, Together, DeepSeek's FIM, ...).</summary>
    public string? CompletionsUrl(string upstreamModel) => Codec is null ? OpenAIUrl(upstreamModel, "/completions") : null;

    /// <summary>The Moderations API's URL (OpenAI's own, Mistral's, ...: OpenAI-compatible providers; Azure OpenAI has none).</summary>
    public string? ModerationsUrl => Codec is null && !IsAzure ? BaseUrl + "/moderations" : null;

    /// <summary>The Responses API's URL (Azure OpenAI's v1 form, which takes the deployment as the model); null when the provider does not serve it.</summary>
    public string? ResponsesUrl => SpeaksResponses ? (IsAzure ? BaseUrl + "/openai/v1/responses" : BaseUrl + "/responses") : null;

    /// <summary>The Conversations API's URL (beside the Responses API's, which it stores state for); null when the provider does not serve the Responses API.</summary>
    public string? ConversationsUrl => SpeaksResponses ? (IsAzure ? BaseUrl + "/openai/v1/conversations" : BaseUrl + "/conversations") : null;

    /// <summary>An OpenAI-compatible operation's URL: under the base URL, or Azure OpenAI's deployment-scoped form.</summary>
    private string OpenAIUrl(string upstreamModel, string operation) => IsAzure
        ? $"{BaseUrl}/openai/deployments/{Uri.EscapeDataString(upstreamModel)}{operation}?api-version={Uri.EscapeDataString(ApiVersion!)}"
        : BaseUrl + operation;

    /// <summary>
    /// Makes the headers copied from the client the provider's: its credential and configured headers, uncompressed
    /// answers (the gateway reads them), Anthropic's version header as this provider wants it. An Anthropic client talking
    /// to Anthropic (<paramref name="keepClientAnthropicVersion"/>) keeps its API version and betas; anyone else gets the
    /// provider's own version, and betas mean something to Anthropic only.
    /// </summary>
    public void ApplyHeaders(HttpRequestHeaders headers, bool keepClientAnthropicVersion)
    {
        var clientVersion = keepClientAnthropicVersion && headers.TryGetValues("anthropic-version", out var versions) ? versions.FirstOrDefault() : null;
        headers.Remove("anthropic-version");
        if (Kind != ProviderKinds.Anthropic)
        {
            headers.Remove("anthropic-beta");
        }

        headers.Remove("Accept-Encoding");
        Authenticate(headers);
        foreach (var (name, value) in ExtraHeaders)
        {
            headers.Remove(name);
            headers.TryAddWithoutValidation(name, value);
        }

        if (clientVersion is not null)
        {
            headers.Remove("anthropic-version");
            headers.TryAddWithoutValidation("anthropic-version", clientVersion);
        }
    }

    public void Authenticate(HttpRequestHeaders headers)
    {
        switch (Kind)
        {
            case ProviderKinds.Anthropic:
                headers.TryAddWithoutValidation("anthropic-version", ApiVersion ?? DefaultAnthropicVersion);
                if (Credential is { } anthropicKey)
                {
                    headers.TryAddWithoutValidation("x-api-key", anthropicKey);
                }

                return;
            case ProviderKinds.Gemini:
                if (Credential is { } googleKey)
                {
                    headers.TryAddWithoutValidation("x-goog-api-key", googleKey);
                }

                return;
        }

        if (Credential is { } credential)
        {
            if (IsAzure)
            {
                headers.TryAddWithoutValidation("api-key", credential);
            }
            else
            {
                // OpenAI-compatible providers and Cohere take a bearer token.
                headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
            }
        }
    }

    /// <summary>Signs <paramref name="request"/> when this provider authenticates with SigV4 (a no-op otherwise).</summary>
    public void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body) => Signer?.Sign(request, body, DateTimeOffset.UtcNow);

    /// <summary>
    /// A Bedrock provider's authentication: a Bedrock API key is a bearer token; access keys
    /// (<c>ID:SECRET[:TOKEN]</c>) sign. With neither configured, AWS's standard variables are used, but only towards AWS's
    /// own hosts: ambient credentials never go to a proxy or a simulator.
    /// </summary>
    private static (string? Bearer, AwsSigV4Signer? Signer) BedrockCredential(ProviderOptions options, string baseUrl, string? configured)
    {
        var host = Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) ? uri.Host : "";
        var region = options.Region is { Length: > 0 } r ? r : BedrockEndpoints.RegionOf(host);
        if (configured is null && BedrockEndpoints.IsAws(host))
        {
            if (Environment.GetEnvironmentVariable("AWS_BEARER_TOKEN_BEDROCK") is { Length: > 0 } token)
            {
                return (token, null);
            }

            return AwsCredentials.FromEnvironment() is { } ambient && region is not null
                ? (null, new AwsSigV4Signer(ambient, region, BedrockEndpoints.SigningService))
                : (null, null);
        }

        if (AwsCredentials.Parse(configured) is { } keys)
        {
            // The validator refuses access keys without a region; a catalog from the control API always has an AWS host.
            return (null, region is null ? null : new AwsSigV4Signer(keys, region, BedrockEndpoints.SigningService));
        }

        return (configured, null);
    }

    /// <summary>The Messages API version sent when none is configured (the current stable one).</summary>
    public const string DefaultAnthropicVersion = "2023-06-01";

    public void Dispose() => Connections.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Kind}{(IsAzure ? ", azure" : "")}) {BaseUrl}";
}
