namespace MassRouter.Gateway.Configuration;

/// <summary>The gateway's configuration, bound from the <c>MassRouter</c> section.</summary>
public sealed class GatewayOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "MassRouter";

    /// <summary>API keys accepted by the gateway (until keys come from Redis).</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>
    /// How long a started stream may stay quiet before the gateway writes a keep-alive to the client (an SSE comment;
    /// Anthropic's <c>ping</c> on <c>/v1/messages</c>), so that a proxy or load balancer in front of it does not take a
    /// reasoning model's thinking for a dead connection; zero: never.
    /// </summary>
    public TimeSpan StreamKeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Upstream providers by name.</summary>
    public Dictionary<string, ProviderOptions> Providers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The public model catalog.</summary>
    public List<ModelOptions> Models { get; set; } = [];

    /// <summary>
    /// The public model a <c>/v1/moderations</c> request without a <c>model</c> goes to (OpenAI's API defaults it, and its
    /// Python and JavaScript SDKs leave it out); empty: such a request is a 400.
    /// </summary>
    public string DefaultModerationModel { get; set; } = "omni-moderation-latest";

    /// <summary>The embedded default: simulator provider when no provider is configured.</summary>
    public EmbeddedOptions Embedded { get; set; } = new();

    /// <summary>
    /// Base64 of 32 bytes: the key provider credentials in the control plane's catalog (<c>mr:catalog</c>) are sealed
    /// under; the same value the control API is configured with.
    /// </summary>
    public string? CredentialKey { get; set; }

    /// <summary>Retries, fallbacks, circuit breakers and shutdown draining.</summary>
    public ResilienceOptions Resilience { get; set; } = new();

    /// <summary>
    /// Runs socket completions and Kestrel's continuations on the I/O threads instead of queueing them to the thread
    /// pool: about half the thread hops per request, so a shorter latency tail. Unset means on, unless something runs
    /// in this process that could block an I/O thread (the embedded Garnet, simulator or control API). Read at start-up.
    /// </summary>
    public bool? InlineIo { get; set; }

    /// <summary>
    /// How long a core is kept awake (a spinning thread under <c>SCHED_IDLE</c>, which any other thread preempts) after a
    /// chat request starts or ends while at most a few requests are in flight, so the next answer does not wait for an
    /// idle core to wake: a lower latency for lone requests at the price of up to this much CPU per request. Zero turns
    /// it off; at most 5 ms. Unset: 200 µs, or off when the process runs under a CPU quota (a container's CPU limit).
    /// Read at start-up. See <c>Scheduling.WakeSpinner</c>.
    /// </summary>
    public TimeSpan? WakeSpin { get; set; }

    /// <summary>Cross-origin (browser) access to <c>/v1/...</c>.</summary>
    public Cors.CorsOptions Cors { get; set; } = new();

    /// <summary>The exact-match response cache requests opt in to.</summary>
    public Caching.ResponseCacheOptions Cache { get; set; } = new();

    /// <summary>A JSON line per API request (off by default).</summary>
    public Telemetry.AccessLogOptions AccessLog { get; set; } = new();

    /// <summary>Distributed tracing over OTLP (off unless an endpoint is configured).</summary>
    public Core.Telemetry.TracingOptions Tracing { get; set; } = new();
}

/// <summary>One API key: either the secret itself or its SHA-256 hash (hex), so secrets need not sit in config.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The key as clients present it.</summary>
    public string? Key { get; set; }

    /// <summary>Lower-case hex SHA-256 of the key, instead of <see cref="Key"/>.</summary>
    public string? KeyHash { get; set; }

    /// <summary>A display name for logs and metrics-free diagnostics.</summary>
    public string? Name { get; set; }

    /// <summary>Public model ids this key may use; empty means all.</summary>
    public List<string> Models { get; set; } = [];
}

/// <summary>An upstream provider.</summary>
public sealed class ProviderOptions
{
    /// <summary>Wire format: <c>openai</c> for every OpenAI-compatible API, or <c>anthropic</c>, <c>gemini</c>, <c>cohere</c>, <c>bedrock</c> (translated).</summary>
    public string Kind { get; set; } = "openai";

    /// <summary>Variant of the kind: <c>azure</c> selects Azure OpenAI's deployment path, <c>api-key</c> header and <c>api-version</c>.</summary>
    public string? Flavor { get; set; }

    /// <summary>
    /// Base URL including any version prefix, e.g. <c>https://api.openai.com/v1</c>. For Bedrock it may be left out when
    /// <see cref="Region"/> is set: <c>https://bedrock-runtime.{Region}.amazonaws.com</c>.
    /// </summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>
    /// Bedrock only: the AWS region requests are signed for (and the default endpoint's). Read from the base URL's host
    /// (<c>bedrock-runtime.us-east-1.amazonaws.com</c>) when not set.
    /// </summary>
    public string? Region { get; set; }

    /// <summary>
    /// The credential; prefer <see cref="ApiKeyEnvironmentVariable"/>. For Bedrock either a Bedrock API key (sent as a
    /// bearer token) or AWS access keys written <c>ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]</c> (requests signed
    /// with SigV4); when neither this nor the variable is set and the base URL is AWS's, the standard
    /// <c>AWS_BEARER_TOKEN_BEDROCK</c> or <c>AWS_ACCESS_KEY_ID</c>/<c>AWS_SECRET_ACCESS_KEY</c>/<c>AWS_SESSION_TOKEN</c> variables.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>Name of an environment variable holding the credential.</summary>
    public string? ApiKeyEnvironmentVariable { get; set; }

    /// <summary>
    /// <c>openai</c> kind only: whether the provider serves OpenAI's Responses API (<c>POST {BaseUrl}/responses</c>; Azure
    /// OpenAI's <c>/openai/v1/responses</c>). Then <c>/v1/responses</c> requests reach it as the client sent them (model
    /// replaced) instead of translated to chat completions. Unset: true for <c>api.openai.com</c>, false elsewhere.
    /// </summary>
    public bool? Responses { get; set; }

    /// <summary>Azure OpenAI <c>api-version</c> query value; for Anthropic the <c>anthropic-version</c> header (default 2023-06-01).</summary>
    public string? ApiVersion { get; set; }

    /// <summary>TCP connect timeout.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest silence allowed from the provider: before the response headers, and between body reads.
    /// Long by default: reasoning models can think for minutes before their first byte.</summary>
    public TimeSpan ActivityTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Connection pool limit towards this provider.</summary>
    public int MaxConnectionsPerServer { get; set; } = int.MaxValue;

    /// <summary>
    /// How long an idle pooled connection to this provider is kept: long enough that TLS sessions to a real provider stay
    /// warm between requests, shorter than any idle timeout on the way (a load balancer that drops idle connections
    /// first makes the next request on one fail). Applies to the <see cref="WarmConnections"/>. Zero: no reuse.
    /// </summary>
    public TimeSpan PooledConnectionIdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Requests in flight to this provider that use the warm pool, whose idle connections are kept for
    /// <see cref="PooledConnectionIdleTimeout"/>; requests beyond it use a burst pool whose idle connections close after
    /// <see cref="BurstConnectionIdleTimeout"/> (like nginx's upstream <c>keepalive</c>, which keeps that many idle
    /// connections and closes the rest). A burst's thousands of connections (~8 KiB of buffers each, and a descriptor)
    /// are then gone seconds after it, while the usual load's stay warm.
    /// </summary>
    public int WarmConnections { get; set; } = 100;

    /// <summary>How long an idle connection of the burst pool (see <see cref="WarmConnections"/>) is kept.</summary>
    public TimeSpan BurstConnectionIdleTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Extra headers sent with every request to this provider (e.g. an organisation or project id).</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>A public model and where it is served.</summary>
public sealed class ModelOptions
{
    /// <summary>The id clients send as <c>model</c>.</summary>
    public string Id { get; set; } = "";

    /// <summary>Ordered deployments serving the model.</summary>
    public List<DeploymentOptions> Deployments { get; set; } = [];

    /// <summary>
    /// Longest wait for the provider's first byte (response headers, then the first stream event); after it the next
    /// deployment is tried. Null uses the provider's <see cref="ProviderOptions.ActivityTimeout"/>: set it long for
    /// reasoning models.
    /// </summary>
    public TimeSpan? FirstTokenTimeout { get; set; }

    /// <summary>
    /// Caches this model's answers for this long without the client asking (as if every request carried
    /// <c>x-massrouter-cache-ttl</c>): for deterministic models, embeddings above all, whose clients cannot add a header.
    /// A request's own header wins; null: only requests that ask are cached.
    /// </summary>
    public TimeSpan? CacheTtl { get; set; }

    /// <summary>Longest a whole request may take; null means no limit beyond the idle timeouts.</summary>
    public TimeSpan? TotalTimeout { get; set; }

    /// <summary>How requests spread over deployments of equal priority: <c>weighted</c> or <c>least-latency</c>.</summary>
    public string LoadBalancing { get; set; } = "weighted";
}

/// <summary>A provider and the model id it knows the public model by.</summary>
public sealed class DeploymentOptions
{
    /// <summary>Provider name, a key of <see cref="GatewayOptions.Providers"/>.</summary>
    public string Provider { get; set; } = "";

    /// <summary>Upstream model id (or Azure deployment name); defaults to the public id.</summary>
    public string? Model { get; set; }

    /// <summary>Relative weight among deployments of equal priority.</summary>
    public int Weight { get; set; } = 1;

    /// <summary>Lower is tried first; deployments of equal priority share load. Defaults to the list position, so a
    /// plain list is an ordered fallback chain.</summary>
    public int? Priority { get; set; }

    /// <summary>This deployment's own price when it differs from the model's (<c>MassRouter:Metering:Prices</c>);
    /// requests it answers are billed at it, and <c>provider.sort: "price"</c> orders by it.</summary>
    public Metering.PriceOptions? Price { get; set; }
}

/// <summary>Embedded-default settings.</summary>
public sealed class EmbeddedOptions
{
    /// <summary>Host the provider simulator in-process: null means "when no provider is configured".</summary>
    public bool? Simulator { get; set; }

    /// <summary>Recorded fixtures the embedded simulator can replay; found next to the repository by default.</summary>
    public string? FixturesPath { get; set; }

    /// <summary>
    /// Host the control API (<c>/api/...</c>) in this process: null means "on the zero-configuration default", i.e.
    /// when neither <c>MassRouter:Redis</c> nor a provider is configured.
    /// </summary>
    public bool? ControlApi { get; set; }

    /// <summary>Directory of the embedded platform's SQLite database and generated keys; relative to the content root.</summary>
    public string DataPath { get; set; } = "data";
}
