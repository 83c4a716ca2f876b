using System.Collections.Concurrent;
using System.Diagnostics;
using Prometheus;

namespace MassRouter.Gateway.Telemetry;

/// <summary>
/// The data plane's Prometheus series, on prometheus-net's native API (the Meters adapter sorts and allocates per
/// measurement, too slow for a per-chunk path). Labels stay bounded: model from the catalog, provider, status class.
/// The children of one model × provider pair are resolved once and cached.
/// </summary>
internal sealed class GatewayMetrics
{
    private static readonly string[] StatusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx", "other"];

    /// <summary>The <c>api</c> label's values, in <see cref="ClientApi"/>'s order.</summary>
    internal static readonly string[] ApiLabels = ["chat_completions", "embeddings", "messages", "responses", "completions", "moderations"];

    private readonly Counter _requests;
    private readonly Histogram _duration;
    private readonly Histogram _timeToFirstToken;
    private readonly Histogram _interTokenGap;
    private readonly Histogram _overhead;
    private readonly Counter _inputTokens;
    private readonly Counter _outputTokens;
    private readonly Gauge _activeStreams;
    private readonly Counter _rejected;
    private readonly Gauge _circuitState;
    private readonly Counter _retries;
    private readonly Counter _burstRequests;
    private readonly Counter _tokenCounts;
    private readonly Counter _storedState;
    private readonly Counter _cacheLookups;
    private readonly Counter _cacheStores;
    private readonly Counter _keepAlives;
    private readonly ConcurrentDictionary<(string Model, string Provider), Series> _series = new();

    /// <summary>
    /// The factory every gateway metric is made with: no exemplars, since the gateway starts no traces (an exemplar
    /// would always be empty, and looking for one costs each observation a clock read and a callback).
    /// </summary>
    internal static MetricFactory Factory(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        factory.ExemplarBehavior = ExemplarBehavior.NoExemplars();
        return factory;
    }

    /// <summary>The wake spinner's series, read at scrape time: how often it was woken and how long it spun.</summary>
    internal static void Register(CollectorRegistry registry, Scheduling.WakeSpinner spinner)
    {
        var factory = Factory(registry);
        var wakes = factory.CreateCounter(
            "massrouter_wake_spinner_wakes_total", "Times a lone request woke the wake spinner (MassRouter:WakeSpin) from its sleep.");
        var awake = factory.CreateCounter(
            "massrouter_wake_spinner_awake_seconds_total",
            "Time the wake spinner spent spinning to keep a core awake for lone requests: an upper bound of the CPU it used (it runs only when nothing else wants the core).");
        registry.AddBeforeCollectCallback(() =>
        {
            wakes.IncTo(spinner.Wakes);
            awake.IncTo(spinner.AwakeTime.TotalSeconds);
        });
    }

    public GatewayMetrics(CollectorRegistry registry)
    {
        var factory = Factory(registry);
        string[] byDeployment = ["model", "provider"];
        string[] byStatus = ["model", "provider", "status_class", "api"];
        _requests = factory.CreateCounter(
            "massrouter_requests_total",
            "Requests handled, by model, provider, status class and the API they came in on (chat_completions, embeddings, messages, responses).",
            byStatus);
        _duration = factory.CreateHistogram("massrouter_request_duration_seconds", "Total request time as the gateway saw it.", byStatus,
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 19) });
        _timeToFirstToken = factory.CreateHistogram("massrouter_time_to_first_token_seconds", "Time from request arrival to the first generated output.", byDeployment,
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.005, 2, 15) });
        _interTokenGap = factory.CreateHistogram("massrouter_inter_token_gap_seconds", "Gap between consecutive output chunks of a stream.", byDeployment,
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 15) });
        _overhead = factory.CreateHistogram("massrouter_gateway_overhead_seconds", "Request time not spent waiting on the provider.", byDeployment,
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.00001, 2, 16) });
        _inputTokens = factory.CreateCounter("massrouter_tokens_input_total", "Prompt tokens, as reported by providers.", byDeployment);
        _outputTokens = factory.CreateCounter("massrouter_tokens_output_total", "Completion tokens, as reported by providers.", byDeployment);
        _circuitState = factory.CreateGauge("massrouter_circuit_state", "Circuit state per deployment: 0 closed, 1 half-open, 2 open.", "deployment");
        _retries = factory.CreateCounter("massrouter_upstream_retries_total", "Upstream attempts after the first, by provider that failed and reason.", "provider", "reason");
        _burstRequests = factory.CreateCounter(
            "massrouter_upstream_burst_requests_total",
            "Upstream attempts sent on a provider's burst connection pool (beyond its WarmConnections in flight); rising all the time, the warm pool is smaller than the usual load.",
            "provider");
        _rejected = factory.CreateCounter("massrouter_rejected_requests_total", "Requests refused before reaching a provider, by error code.", "code");
        _tokenCounts = factory.CreateCounter(
            "massrouter_token_counts_total",
            "Token counts answered on /v1/messages/count_tokens, by model and source: provider (Anthropic's own count, or its client error) or estimate (the gateway's o200k estimate: another provider kind, or Anthropic could not answer).",
            "model", "source");
        _storedState = factory.CreateCounter(
            "massrouter_stored_state_requests_total",
            "Calls on stored responses and conversations relayed to the provider holding them (retrieve, delete, cancel, items; a conversation's creation), by object, provider and status class; those refused before a provider (unknown or another account's id) are in massrouter_rejected_requests_total.",
            "object", "provider", "status_class");
        _cacheLookups = factory.CreateCounter(
            "massrouter_cache_lookups_total",
            "Requests that asked the response cache (x-massrouter-cache-ttl) for an answer, by model and result: hit (answered from it, no provider called) or miss.",
            "model", "result");
        _cacheStores = factory.CreateCounter(
            "massrouter_cache_stores_total", "Answers kept in the response cache, by model (a miss whose answer was whole, successful and small enough).", "model");
        _keepAlives = factory.CreateCounter(
            "massrouter_stream_keepalives_total",
            "Keep-alives written into streams while their provider was quiet (MassRouter:StreamKeepAlive), by model and provider: a reasoning model thinking, or a provider stalling.",
            byDeployment);
        _activeStreams = factory.CreateGauge("massrouter_streams_active", "Streams being relayed right now.", byDeployment);

        // Read at each scrape: the time the process stood still for the garbage collector, the usual suspect for a latency
        // spike that neither the provider nor the CPU explains.
        var gcPause = factory.CreateCounter("massrouter_gc_pause_seconds_total", "Time the runtime paused the process for garbage collections (process-wide).");
        registry.AddBeforeCollectCallback(() => gcPause.IncTo(GC.GetTotalPauseDuration().TotalSeconds));
    }

    /// <summary>Counts a request refused before forwarding; <paramref name="code"/> is one of the gateway's fixed error codes.</summary>
    public void Rejected(string code) => _rejected.WithLabels(code).Inc();

    /// <summary>A request that asked the response cache for <paramref name="model"/>'s answer: served from it, or not.</summary>
    public void CacheLookup(string model, bool hit) => _cacheLookups.WithLabels(model, hit ? "hit" : "miss").Inc();

    /// <summary>An answer of <paramref name="model"/> kept in the response cache.</summary>
    public void CacheStored(string model) => _cacheStores.WithLabels(model).Inc();

    /// <summary>Keep-alives a stream of <paramref name="model"/> from <paramref name="provider"/> needed.</summary>
    public void KeepAlivesSent(string model, string provider, int count) => _keepAlives.WithLabels(model, provider).Inc(count);

    /// <summary>A call on a stored response or conversation relayed to <paramref name="provider"/>, answered with <paramref name="status"/>.</summary>
    public void StoredStateRelayed(bool conversation, string provider, int status) =>
        _storedState.WithLabels(conversation ? "conversation" : "response", provider, StatusClasses[StatusClass(status)]).Inc();

    /// <summary>Publishes a deployment's circuit state.</summary>
    public void CircuitChanged(string deployment, Polly.CircuitBreaker.CircuitState state) =>
        _circuitState.WithLabels(deployment).Set(state switch
        {
            Polly.CircuitBreaker.CircuitState.Closed => 0,
            Polly.CircuitBreaker.CircuitState.HalfOpen => 1,
            _ => 2,
        });

    /// <summary>Counts a retry or fallback after <paramref name="provider"/> failed for <paramref name="reason"/> (a status code, <c>connect</c> or <c>timeout</c>).</summary>
    public void Retried(string provider, string reason) => _retries.WithLabels(provider, reason).Inc();

    /// <summary>Counts an attempt on <paramref name="provider"/>'s burst connection pool.</summary>
    public void BurstRequest(string provider) => _burstRequests.WithLabels(provider).Inc();

    /// <summary>Counts a token count answered for <paramref name="model"/> by the provider or by the gateway's estimate.</summary>
    public void TokenCount(string model, bool estimated) => _tokenCounts.WithLabels(model, estimated ? "estimate" : "provider").Inc();

    public void StreamStarted(string model, string provider) => For(model, provider).ActiveStreams.Inc();

    public void StreamEnded(string model, string provider) => For(model, provider).ActiveStreams.Dec();

    public void InterTokenGap(string model, string provider, long fromTimestamp, long toTimestamp) =>
        For(model, provider).InterTokenGap.Observe(Stopwatch.GetElapsedTime(fromTimestamp, toTimestamp).TotalSeconds);

    public void RequestCompleted(in RequestOutcome outcome)
    {
        var series = For(outcome.Model, outcome.Provider);
        var statusClass = StatusClass(outcome.StatusCode);
        series.Requests(statusClass, outcome.Api).Inc();
        var total = Stopwatch.GetElapsedTime(outcome.StartTimestamp, outcome.EndTimestamp);
        series.Duration(statusClass, outcome.Api).Observe(total.TotalSeconds);
        if (outcome.UpstreamTicks > 0)
        {
            var overhead = total - Stopwatch.GetElapsedTime(0, outcome.UpstreamTicks);
            series.Overhead.Observe(Math.Max(0, overhead.TotalSeconds));
        }

        if (outcome.FirstOutputTimestamp != 0)
        {
            series.TimeToFirstToken.Observe(Stopwatch.GetElapsedTime(outcome.StartTimestamp, outcome.FirstOutputTimestamp).TotalSeconds);
        }

        if (outcome.PromptTokens > 0)
        {
            series.InputTokens.Inc(outcome.PromptTokens);
        }

        if (outcome.CompletionTokens > 0)
        {
            series.OutputTokens.Inc(outcome.CompletionTokens);
        }
    }

    private Series For(string model, string provider) =>
        _series.TryGetValue((model, provider), out var series) ? series : _series.GetOrAdd((model, provider), key => new Series(this, key.Model, key.Provider));

    private static int StatusClass(int status) => status is >= 100 and < 600 ? (status / 100) - 1 : StatusClasses.Length - 1;

    private sealed class Series
    {
        private readonly GatewayMetrics _metrics;
        private readonly string _model;
        private readonly string _provider;
        private readonly Counter.Child?[] _requests = new Counter.Child?[StatusClasses.Length * ApiLabels.Length];
        private readonly Histogram.Child?[] _duration = new Histogram.Child?[StatusClasses.Length * ApiLabels.Length];

        public Series(GatewayMetrics metrics, string model, string provider)
        {
            (_metrics, _model, _provider) = (metrics, model, provider);
            TimeToFirstToken = metrics._timeToFirstToken.WithLabels(model, provider);
            InterTokenGap = metrics._interTokenGap.WithLabels(model, provider);
            Overhead = metrics._overhead.WithLabels(model, provider);
            InputTokens = metrics._inputTokens.WithLabels(model, provider);
            OutputTokens = metrics._outputTokens.WithLabels(model, provider);
            ActiveStreams = metrics._activeStreams.WithLabels(model, provider);
        }

        // Status-class and API series appear when first used, so a healthy deployment does not export empty 1xx..5xx series
        // nor series for APIs nobody calls.
        public Counter.Child Requests(int statusClass, ClientApi api) =>
            _requests[(statusClass * ApiLabels.Length) + (int)api] ??= _metrics._requests.WithLabels(_model, _provider, StatusClasses[statusClass], ApiLabels[(int)api]);

        public Histogram.Child Duration(int statusClass, ClientApi api) =>
            _duration[(statusClass * ApiLabels.Length) + (int)api] ??= _metrics._duration.WithLabels(_model, _provider, StatusClasses[statusClass], ApiLabels[(int)api]);

        public Histogram.Child TimeToFirstToken { get; }

        public Histogram.Child InterTokenGap { get; }

        public Histogram.Child Overhead { get; }

        public Counter.Child InputTokens { get; }

        public Counter.Child OutputTokens { get; }

        public Gauge.Child ActiveStreams { get; }
    }
}

/// <summary>What happened to one request, for metrics.</summary>
internal readonly record struct RequestOutcome(
    ClientApi Api,
    string Model,
    string Provider,
    int StatusCode,
    long StartTimestamp,
    long EndTimestamp,
    long UpstreamTicks,
    long FirstOutputTimestamp,
    long PromptTokens,
    long CompletionTokens);
