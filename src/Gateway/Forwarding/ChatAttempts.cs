using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Errors;
using MassRouter.Gateway.Resilience;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Telemetry;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Anthropic;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Polly;
using Polly.CircuitBreaker;
using Yarp.ReverseProxy.Forwarder;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// The attempts of one chat request over its planned deployments. Retries and fallbacks happen only while nothing has
/// reached the client; each attempt runs through its deployment's circuit breaker; the body is re-sent from the
/// gateway's own buffer, rewritten for each deployment's upstream model.
/// </summary>
internal sealed class ChatAttempts : IRetryGate
{
    private readonly HttpContext _context;
    private readonly IHttpForwarder _forwarder;
    private readonly IReadOnlyList<Deployment> _plan;
    private readonly PooledBufferWriter _body;
    private readonly ChatRequestInfo _request;
    private readonly string _requestId;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ResilienceOptions _options;
    private readonly RetryBudget _budget;
    private readonly ShutdownDrain _drain;
    private readonly CancellationToken _stop;
    private readonly DeliveredOutput? _output;
    private int _index;
    private int _attempts;

    // What the forwarder reported for the attempt in progress (attempts of one request run one at a time).
    private ForwarderError _forwardError;
    private int _sameDeploymentRetries;
    private TimeSpan _delay;

    public ChatAttempts(
        HttpContext context,
        IHttpForwarder forwarder,
        IReadOnlyList<Deployment> plan,
        PooledBufferWriter body,
        in ChatRequestInfo request,
        string requestId,
        GatewayMetrics metrics,
        ILogger logger,
        ResilienceOptions options,
        RetryBudget budget,
        ShutdownDrain drain,
        DeliveredOutput? output,
        CancellationToken stop)
    {
        _output = output;
        _context = context;
        _forwarder = forwarder;
        _plan = plan;
        _body = body;
        _request = request;
        _requestId = requestId;
        _metrics = metrics;
        _logger = logger;
        _options = options;
        _budget = budget;
        _drain = drain;
        _stop = stop;
    }

    /// <summary>
    /// Set for <c>/v1/messages</c> and <c>/v1/responses</c> (and its compaction): deployments speaking the client's dialect
    /// get the client's own body; with <see cref="NativeIngress.Untranslatable"/> no other deployment gets anything.
    /// </summary>
    public NativeIngress? Native { get; init; }

    /// <summary>Set for <c>/v1/messages</c> and <c>/v1/responses</c>: the client dialect every answer goes out in.</summary>
    public IClientDialect? Dialect { get; init; }

    /// <summary><see cref="Configuration.GatewayOptions.StreamKeepAlive"/>.</summary>
    public TimeSpan KeepAliveInterval { get; init; }

    /// <summary>
    /// The OpenAI operation the body is for: chat completions (every provider kind, translated as needed), or one only
    /// OpenAI-compatible providers serve as it is — <c>/v1/embeddings</c>, <c>/v1/completions</c>, <c>/v1/moderations</c>:
    /// the body goes to each deployment's URL for it, and a deployment without one is passed over like one whose codec
    /// refuses a request.
    /// </summary>
    public ClientApi Api { get; init; } = ClientApi.ChatCompletions;

    /// <summary>True for <c>/v1/embeddings</c>.</summary>
    public bool Embeddings => Api == ClientApi.Embeddings;

    /// <summary>The exchange of the last attempt: the one whose answer the client got.</summary>
    public ChatExchange? Exchange { get; private set; }

    /// <summary>The deployment of the last attempt.</summary>
    public Deployment Deployment => _plan[_index];

    /// <summary>The attempts made (a retry or a fallback is one more).</summary>
    public int Count => _attempts;

    /// <summary>Time spent waiting on providers over all attempts, in Stopwatch ticks.</summary>
    public long UpstreamTicks { get; private set; }

    // Pooled (here and in the methods it awaits): the state machines of a request's attempt chain were ~0.6 KB of its
    // allocation, and each one awaits upstream, so none completes synchronously.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask RunAsync()
    {
        using var rewritten = new PooledBufferWriter(ProviderRequestBody.CapacityFor(_body, _plan[_index]));
        Deployment? rewrittenFor = null;
        CodecError? refusal = null;
        while (true)
        {
            var deployment = _plan[_index];
            var outgoing = _body.WrittenMemory;

            // An Anthropic client reaching an Anthropic-kind deployment, a Responses client one serving the Responses API:
            // its own body goes upstream, model replaced. Each attempt of a mixed plan builds its own body (the cache
            // below is per deployment).
            var native = Native?.Serves(deployment.Provider) == true;
            if (native || Native?.Untranslatable is not null || ProviderRequestBody.NeedsNewBody(_request, deployment))
            {
                if (!ReferenceEquals(rewrittenFor, deployment))
                {
                    rewritten.Clear();
                    if (!TryWriteBody(deployment, native, rewritten, out var refused))
                    {
                        // This provider cannot honour the request (e.g. n>1 on Anthropic): a fallback of another kind may.
                        // When none can, the client learns why from the first refusal.
                        refusal ??= refused;
                        rewrittenFor = null;
                        if (_index + 1 < _plan.Count && _attempts < _options.MaxAttempts)
                        {
                            _index++;
                            continue;
                        }

                        var first = refusal.Value;
                        if (_attempts == 0)
                        {
                            _metrics.Rejected(first.Code ?? "unsupported_parameter");
                            await OpenAIErrorResponse.WriteAsync(_context, first.Status, first.Message, param: first.Param, code: first.Code);
                        }
                        else
                        {
                            // An earlier deployment failed and its answer was dropped for a fallback that cannot take the request.
                            ResetResponse();
                            await OpenAIErrorResponse.WriteAsync(
                                _context,
                                StatusCodes.Status502BadGateway,
                                $"The provider failed and no fallback could take the request: {first.Message}",
                                OpenAIErrorResponse.ServerError,
                                code: "upstream_error");
                        }

                        return;
                    }

                    rewrittenFor = deployment;
                }

                outgoing = rewritten.WrittenMemory;
            }

            if (_attempts > 0)
            {
                ResetResponse();
            }

            _attempts++;
            Dialect?.BeginAttempt(deployment, native);
            var exchange = new ChatExchange(
                deployment,
                deployment.PublicModel,
                _requestId,
                _request.Stream,
                stripUsageChunk: ChatRequestRewriter.NeedsUsage(_request),
                _metrics,
                _logger,
                retryGate: this,
                _drain,
                _stop)
            {
                Output = _output,
                KeepAliveInterval = KeepAliveInterval,
                Dialect = Dialect,
                Codec = native ? Native!.Codec : deployment.Provider.Codec,
                RequestUri = Api == ClientApi.ChatCompletions ? (native ? Native!.RequestUri(deployment) : null) : OperationUri(deployment),
                UpstreamBody = outgoing,
            };
            Exchange = exchange;
            ProviderRequestBody.Install(_context, outgoing);

            // Ended by EndAttempt; disposed again (a no-op) should the attempt throw.
            using var span = GatewayTracing.StartAttempt(Api, deployment, _attempts, _request.Stream);
            var (result, forwardError, rejected) = await ExecuteAsync(deployment, exchange);
            if (span is not null)
            {
                GatewayTracing.EndAttempt(span, exchange, rejected, forwardError);
            }

            UpstreamTicks += exchange.UpstreamTicks;
            if (rejected)
            {
                // The circuit opened (or its probe is in flight) since the plan was made: not an attempt.
                _attempts--;
                if (_index + 1 < _plan.Count)
                {
                    _index++;
                    continue;
                }

                ResetResponse();
                await ForwardingErrors.WriteUnavailableAsync(_context, deployment.PublicModel, AttemptPlanner.RetryAfter(_plan));
                return;
            }

            if (forwardError != ForwarderError.None && result == AttemptResult.Failed && !_context.Response.HasStarted)
            {
                var timedOut = ForwardingErrors.IsTimeout(_context, forwardError);
                if (TryReserveRetry(timedOut ? RetryPolicy.Timeout : RetryPolicy.ConnectFailure, null))
                {
                    await DelayAsync();
                    continue;
                }

                await ForwardingErrors.WriteForwardErrorAsync(_context, forwardError, deployment.Provider.Name, _logger);
                return;
            }

            if (exchange.RetryableFailure)
            {
                await DelayAsync();
                continue;
            }

            return;
        }
    }

    /// <inheritdoc />
    public bool TryReserveRetry(int status, TimeSpan? retryAfter)
    {
        if (_attempts >= _options.MaxAttempts || _context.RequestAborted.IsCancellationRequested || _stop.IsCancellationRequested)
        {
            return false;
        }

        var failed = _plan[_index];
        if (_index + 1 < _plan.Count)
        {
            // Another deployment: a fallback, not more load on the failing one, so it does not draw on the budget.
            _index++;
            _delay = TimeSpan.Zero;
        }
        else
        {
            if (retryAfter > _options.MaxBackoff || !_budget.TryWithdraw())
            {
                return false;
            }

            _delay = retryAfter ?? RetryPolicy.Backoff(++_sameDeploymentRetries, _options.BaseBackoff, _options.MaxBackoff);
        }

        MovedOn(failed, ReasonLabel(status));
        return true;
    }

    /// <inheritdoc />
    public bool HasFallback => _index + 1 < _plan.Count && _attempts < _options.MaxAttempts;

    /// <inheritdoc />
    public bool TryFallBack(string reason)
    {
        if (!HasFallback || _context.RequestAborted.IsCancellationRequested || _stop.IsCancellationRequested)
        {
            return false;
        }

        var failed = _plan[_index];
        _index++;
        _delay = TimeSpan.Zero;
        MovedOn(failed, reason);
        return true;
    }

    /// <summary>Counts and logs the move from <paramref name="failed"/> to the attempt now planned.</summary>
    private void MovedOn(Deployment failed, string reason)
    {
        _metrics.Retried(failed.Provider.Name, reason);
        _logger.LogInformation(
            "Request {RequestId}: provider {Provider} failed ({Reason}); trying {Next} (attempt {Attempt})",
            _requestId,
            failed.Provider.Name,
            reason,
            _plan[_index].Provider.Name,
            _attempts + 1);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(AttemptResult Result, ForwarderError Error, bool Rejected)> ExecuteAsync(Deployment deployment, ChatExchange exchange)
    {
        var resilience = ResilienceContextPool.Shared.Get(_context.RequestAborted);
        deployment.Health.AttemptStarted();
        try
        {
            _forwardError = ForwarderError.None;
            var outcome = await deployment.Health.Pipeline.ExecuteOutcomeAsync(
                [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] static async ValueTask<Outcome<AttemptResult>> (ResilienceContext _, (ChatAttempts Attempts, Deployment Deployment, ChatExchange Exchange) s) => Outcome.FromResult(await s.Attempts.ForwardAsync(s.Deployment, s.Exchange)),
                resilience,
                (Attempts: this, Deployment: deployment, Exchange: exchange));
            switch (outcome.Exception)
            {
                case BrokenCircuitException or IsolatedCircuitException:
                    return (AttemptResult.Failed, ForwarderError.None, true);
                case { } exception:
                    ExceptionDispatchInfo.Throw(exception);
                    break;
            }

            return (outcome.Result, _forwardError, false);
        }
        finally
        {
            deployment.Health.AttemptEnded();
            ResilienceContextPool.Shared.Return(resilience);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<AttemptResult> ForwardAsync(Deployment deployment, ChatExchange exchange)
    {
        var provider = deployment.Provider;
        var config = _request.Stream ? deployment.StreamingRequestConfig : provider.RequestConfig;
        var invoker = provider.Connections.Acquire();
        if (provider.Connections.IsBurst(invoker))
        {
            _metrics.BurstRequest(provider.Name);
        }

        try
        {
            _forwardError = await _forwarder.SendAsync(_context, provider.BaseUrl, invoker, config, exchange, _stop);
        }
        finally
        {
            provider.Connections.Release(invoker);
        }

        if (exchange.HeadersTimestamp != 0)
        {
            deployment.Health.ObserveFirstByte(exchange.TimeToHeaders);
        }

        if (_context.RequestAborted.IsCancellationRequested)
        {
            return AttemptResult.Abandoned;
        }

        if (_forwardError != ForwarderError.None || (exchange.RetryableFailure && !exchange.ExceededContext) || exchange.EndedWithError || RetryPolicy.IsRetryable(exchange.UpstreamStatus))
        {
            // Read by the breaker should this failure open the circuit: a rate limit opens it only as long as the provider asked.
            deployment.Health.FailedWith(_forwardError == ForwarderError.None && exchange.UpstreamStatus == StatusCodes.Status429TooManyRequests ? exchange.UpstreamRetryAfter : null);
            return AttemptResult.Failed;
        }

        return AttemptResult.Succeeded;
    }

    /// <summary>The upstream body for one attempt; false with the client's error when this deployment cannot take the request.</summary>
    private bool TryWriteBody(Deployment deployment, bool native, PooledBufferWriter output, out CodecError refused)
    {
        if (native)
        {
            return Native!.Codec.TryWriteRequest(Native.Body.WrittenMemory, _request, deployment.UpstreamModel, output, out refused);
        }

        if (Api != ClientApi.ChatCompletions && OperationUri(deployment) is null)
        {
            var (name, code) = Api switch
            {
                ClientApi.Embeddings => ("embeddings", "embeddings_not_supported"),
                ClientApi.Completions => ("completions", "completions_not_supported"),
                _ => ("moderations", "moderations_not_supported"),
            };
            refused = new CodecError(
                StatusCodes.Status400BadRequest,
                $"The model '{deployment.PublicModel}' is served by provider '{deployment.Provider.Name}' ({deployment.Provider.Kind}), which has no OpenAI-compatible {name} API"
                    + (Api == ClientApi.Completions ? ": use /v1/chat/completions." : "."),
                "model",
                code);
            return false;
        }

        if (Native?.Untranslatable is { } untranslatable)
        {
            // A request with no chat-completions form: only deployments speaking the client's dialect can take it.
            refused = untranslatable;
            return false;
        }

        return ProviderRequestBody.TryWrite(_body, _request, deployment, output, out refused);
    }

    /// <summary>The deployment's URL for <see cref="Api"/> when it is not chat completions; null when it has none.</summary>
    private Uri? OperationUri(Deployment deployment) => Api switch
    {
        ClientApi.Embeddings => deployment.EmbeddingsUri,
        ClientApi.Completions => deployment.CompletionsUri,
        ClientApi.Moderations => deployment.ModerationsUri,
        _ => null,
    };

    private void ResetResponse()
    {
        var response = _context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers.Clear();
        response.Headers[RequestId.HeaderName] = _requestId;
        _context.Features.Set<IForwarderErrorFeature>(null);
    }

    private Task DelayAsync() => _delay > TimeSpan.Zero ? Task.Delay(_delay, _context.RequestAborted) : Task.CompletedTask;

    private static string ReasonLabel(int status) => status switch
    {
        RetryPolicy.ConnectFailure => "connect",
        RetryPolicy.Timeout => "timeout",
        408 => "408",
        429 => "429",
        500 => "500",
        502 => "502",
        503 => "503",
        504 => "504",
        529 => "529",
        _ => "other",
    };
}
