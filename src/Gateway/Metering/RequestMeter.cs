using System.Globalization;
using System.Diagnostics;
using MassRouter.Core.Money;
using MassRouter.Core.Usage;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Errors;
using MassRouter.Gateway.Forwarding;
using MassRouter.Gateway.Limits;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// What the chat handler calls for metering: <see cref="AdmitAsync"/> before forwarding (local concurrency limit, then
/// one Redis round trip), <see cref="Settle"/> after the response is complete (queued, off the latency path).
/// </summary>
internal sealed partial class RequestMeter
{
    private readonly MeteringOptions _options;
    private readonly InputTokenEstimator _estimator;
    private readonly TokenCounter _counter;
    private readonly KeyConcurrencyLimiter _concurrency;
    private readonly LocalFallbackLimiter _fallback;
    private readonly RedisAdmission? _admission;
    private readonly UsageSettler? _settler;
    private readonly GatewayInstance? _instance;
    private readonly PriceTable _prices;
    private readonly GatewayMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<RequestMeter> _logger;
    private readonly MeteringMetrics? _meteringMetrics;
    private readonly BackgroundCharges? _background;
    private readonly long _minOptimisticBalance;
    private int _inFlight;

    public RequestMeter(
        IOptions<MeteringOptions> options,
        InputTokenEstimator estimator,
        TokenCounter counter,
        KeyConcurrencyLimiter concurrency,
        LocalFallbackLimiter fallback,
        PriceTable prices,
        GatewayMetrics metrics,
        TimeProvider time,
        ILogger<RequestMeter> logger,
        RedisAdmission? admission = null,
        UsageSettler? settler = null,
        GatewayInstance? instance = null,
        MeteringMetrics? meteringMetrics = null,
        BackgroundCharges? background = null)
    {
        _background = background;
        _meteringMetrics = meteringMetrics;
        _minOptimisticBalance = Nanos.FromDollars(options.Value.OptimisticMinBalance);
        _options = options.Value;
        _estimator = estimator;
        _counter = counter;
        _concurrency = concurrency;
        _fallback = fallback;
        _prices = prices;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _admission = admission;
        _settler = settler;
        _instance = instance;
        if (admission is not null)
        {
            // The o200k vocabulary (about 4 MiB, loaded in the background) is needed only when requests can be metered.
            counter.Warm();
        }
    }

    /// <summary>Chat requests between <see cref="Started"/> and <see cref="Ended"/> (metered or not).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>A chat request begins: while others are in flight, its settlement may linger for company.</summary>
    public void Started() => Interlocked.Increment(ref _inFlight);

    public void Ended() => Interlocked.Decrement(ref _inFlight);

    /// <summary>
    /// Admits the request or writes the OpenAI-shaped rejection. The prompt estimate is taken from
    /// <paramref name="body"/> before anything is awaited.
    /// </summary>
    /// <param name="bound">The request's output limit and reachable deployments: a balance below the most it could cost refuses it.</param>
    /// <param name="endUser">The end user the request is for (its usage event's <c>user</c>), when the client named one.</param>
    public ValueTask<MeteredRequest> AdmitAsync(HttpContext context, ApiKeyInfo key, string model, ReadOnlySpan<byte> body, CostBound bound = default, string? endUser = null)
    {
        if (key.Account is null || _admission is null)
        {
            return ValueTask.FromResult(MeteredRequest.Unmetered);
        }

        if (!_concurrency.TryEnter(key, out var lease))
        {
            return new ValueTask<MeteredRequest>(RejectAsync(context, new AdmissionOutcome(AdmissionVerdict.ConcurrencyExceeded, 1000, default, key.MaxConcurrency)));
        }

        // A token per 4 bytes of the prompt's text, not the tokenizer: on the request's path (see InputTokenEstimator).
        return AdmitCoreAsync(context, key, model, _estimator.Approximate(body), lease, bound, endUser);
    }

    /// <summary>Releases an admitted request that never reached a provider: nothing to bill.</summary>
    public void Release(MeteredRequest request)
    {
        if (request.Key is { Account: not null } && request.HasInflightRecord && _settler is not null)
        {
            ReleaseRecord(request);
        }
    }

    /// <summary>
    /// Drops the in-flight record of a request with nothing to bill. Admitted without waiting, only once Redis has
    /// answered (its admission may still wait for the pipeline's next batch, and a removal must not overtake it), and
    /// only if it did admit (otherwise there is no record).
    /// </summary>
    private void ReleaseRecord(MeteredRequest request)
    {
        if (request.Optimistic is not { } optimistic)
        {
            _settler!.Release(request.Key!.Account!, request.EventId);
            return;
        }

        optimistic.WhenAnswered(
            static (answered, state) =>
            {
                var request = (MeteredRequest)state;
                if (answered.IsAdmitted)
                {
                    request.Meter!._settler!.Release(request.Key!.Account!, request.EventId);
                }
            },
            request);
    }

    /// <summary>
    /// Refreshes the request's in-flight record with the output delivered so far (fire and forget, every
    /// <see cref="MeteringOptions.ProgressInterval"/> of a long stream), so a gateway killed mid-stream leaves a record
    /// that bills the prompt and that output.
    /// </summary>
    public void ReportProgress(MeteredRequest request, DeliveredOutput output)
    {
        if (request.Key is not { Account: not null } key || _admission is null)
        {
            return;
        }

        var delivered = output.CountTokensSoFar(_counter);
        var record = InflightRecord(key, request.Model, request.RequestId, request.EventId, request.PromptEstimate, delivered, request.AdmittedAt, request.EndUser, request.EndUserField);
        _admission.UpdateInflight(key, request.EventId, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(record, MeteringJson.Default.Settlement));
    }

    /// <summary>Builds the usage event, journals it and queues it for settlement; returns at once.</summary>
    /// <param name="body">The request the provider was sent (counted when the provider reported no usage).</param>
    public void Settle(HttpContext context, MeteredRequest request, ChatExchange exchange, string model, Deployment deployment, string requestId, long startedTimestamp, ReadOnlySpan<byte> body)
    {
        if (request.Key is not { Account: { } account } key || _settler is null)
        {
            return;
        }

        var usage = exchange.Usage;
        var aborted = context.RequestAborted.IsCancellationRequested;
        var status = context.Response.StatusCode;
        if (!usage.IsKnown && !aborted && (status >= 400 || exchange.FirstOutputTimestamp == 0) && !exchange.EndedWithError)
        {
            // Nothing was generated (an upstream error, an unreachable provider): nothing to bill.
            if (request.HasInflightRecord)
            {
                ReleaseRecord(request);
            }

            return;
        }

        var estimated = !usage.IsKnown;

        // Billed without the provider's usage (a stream cut short): the prompt counted by the tokenizer, now that the
        // client has its answer, rather than admission's estimate.
        var promptTokens = estimated ? _estimator.Estimate(body) : usage.PromptTokens;
        var completionTokens = estimated ? request.Output?.CountTokens(_counter) ?? 0 : usage.CompletionTokens;
        if (aborted && !estimated && request.Output?.CountTokens(_counter) is { } delivered && delivered > completionTokens)
        {
            // A running count that lags what was delivered (Anthropic's message_start says 1 until message_delta): bill the delivered text.
            completionTokens = delivered;
            estimated = true;
        }

        var cost = deployment.Price.Cost(promptTokens, completionTokens, usage.CachedPromptTokens);
        var now = Stopwatch.GetTimestamp();
        var endedAt = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var latencyMs = (long)Stopwatch.GetElapsedTime(startedTimestamp, now).TotalMilliseconds;
        var usageEvent = new UsageEvent
        {
            Id = request.EventId,
            RequestId = requestId,
            KeyId = key.KeyId,
            Account = account,
            Model = model,
            Provider = deployment.Provider.Name,
            UpstreamModel = deployment.UpstreamModel,
            User = request.EndUser,
            PromptTokens = promptTokens,
            CompletionTokens = completionTokens,
            CachedTokens = usage.CachedPromptTokens,
            ReasoningTokens = usage.ReasoningTokens,
            CostNanos = cost,
            Status = aborted ? UsageStatus.Aborted : exchange.EndedWithError ? UsageStatus.Error : UsageStatus.Ok,
            HttpStatus = aborted ? 499 : status,
            StartedAt = endedAt - latencyMs,
            EndedAt = endedAt,
            LatencyMs = latencyMs,
            TtftMs = exchange.FirstOutputTimestamp == 0 ? 0 : (long)Stopwatch.GetElapsedTime(startedTimestamp, exchange.FirstOutputTimestamp).TotalMilliseconds,
            Estimated = estimated,
        };
        // Admitted through Redis: its in-flight record is the claim, so the settlement leaves no per-event key behind.
        Charge(request, key, usageEvent, promptTokens + completionTokens - request.PromptEstimate);
    }

    /// <summary>
    /// Settles a request the response cache answered: nothing was generated, so nothing is charged, but the ledger gets
    /// its usage event (provider <see cref="Caching.ResponseCaching.Provider"/>, cost 0, the tokens the cached answer was
    /// billed at), so an app sees each request it made, its end user's included, and what the cache saved it.
    /// </summary>
    public void SettleCacheHit(HttpContext context, MeteredRequest request, string model, string requestId, long startedTimestamp, Caching.CachedResponse hit)
    {
        if (request.Key is not { Account: { } account } key || _settler is null)
        {
            return;
        }

        var endedAt = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var latencyMs = (long)Stopwatch.GetElapsedTime(startedTimestamp).TotalMilliseconds;
        var aborted = context.RequestAborted.IsCancellationRequested;
        var usageEvent = new UsageEvent
        {
            Id = request.EventId,
            RequestId = requestId,
            KeyId = key.KeyId,
            Account = account,
            Model = model,
            Provider = Caching.ResponseCaching.Provider,
            User = request.EndUser,
            PromptTokens = hit.PromptTokens,
            CompletionTokens = hit.CompletionTokens,
            CostNanos = 0,
            Status = aborted ? UsageStatus.Aborted : UsageStatus.Ok,
            HttpStatus = aborted ? 499 : StatusCodes.Status200OK,
            StartedAt = endedAt - latencyMs,
            EndedAt = endedAt,
            LatencyMs = latencyMs,
            TtftMs = latencyMs,
        };
        // Admission counted the prompt estimate in the key's TPM window: a hit keeps it counted (it was admitted).
        Charge(request, key, usageEvent, tokenDelta: 0);
    }

    /// <summary>
    /// Settles a background response's request (<c>background: true</c>, answered queued): its usage is known once the
    /// provider has finished it, so its charge is held in Redis for <see cref="BackgroundCharges"/>, and the request's
    /// in-flight record released once the charge is safe (a gateway killed in between leaves the record, which the sweep
    /// bills at the prompt estimate under the same event id). When Redis cannot hold it, the prompt estimate is billed now.
    /// </summary>
    public async Task SettleInBackgroundAsync(MeteredRequest request, string responseId, Deployment deployment, string requestId)
    {
        if (request.Key is not { Account: { } account } key || _settler is null || _background is null)
        {
            return;
        }

        var charge = new BackgroundCharge(
            responseId,
            request.EventId,
            requestId,
            key.KeyId,
            account,
            key.Tpm,
            deployment.PublicModel,
            deployment.Provider.Name,
            deployment.UpstreamModel,
            deployment.Price,
            request.PromptEstimate,
            request.AdmittedAt,
            request.EndUser,
            request.EndUserField);
        try
        {
            await _background.HoldAsync(charge);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogBackgroundNotHeld(responseId, e.Message);
            Charge(request, key, charge.Bill(default, estimated: true, UsageStatus.Aborted, 499, _time.GetUtcNow().ToUnixTimeMilliseconds()), tokenDelta: 0);
            return;
        }

        if (request.HasInflightRecord)
        {
            ReleaseRecord(request);
        }
    }

    /// <summary>
    /// The account's limit of background responses in progress (<see cref="MeteringOptions.MaxBackgroundResponses"/>)
    /// when <paramref name="key"/>'s account has reached it; null when it may start another (or Redis cannot say: the
    /// charge's hold then bills it at once, see <see cref="SettleInBackgroundAsync"/>).
    /// </summary>
    public async ValueTask<int?> BackgroundLimitReachedAsync(ApiKeyInfo key)
    {
        if (key.Account is not { } account || _background is null || _options.MaxBackgroundResponses <= 0)
        {
            return null;
        }

        try
        {
            return await _background.HeldCountAsync(account) >= _options.MaxBackgroundResponses ? _options.MaxBackgroundResponses : null;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return null;
        }
    }

    /// <summary>Journals and queues the charge of <paramref name="usageEvent"/>, claimed as its admission allows.</summary>
    private void Charge(MeteredRequest request, ApiKeyInfo key, UsageEvent usageEvent, long tokenDelta)
    {
        var settler = _settler!;
        // This request is still counted in flight; any other one will write to Redis soon, and this settlement can go
        // with it.
        var mayLinger = InFlight > 1;
        if (request.Optimistic is { } optimistic)
        {
            // Admitted without waiting: only Redis's answer tells whether an in-flight record exists to claim. It is
            // usually there already; refused or failed, the event's marker claims it.
            if (optimistic.IsAnswered)
            {
                CountRefusal(optimistic);
                var answeredClaim = optimistic.IsAdmitted ? SettlementClaim.Inflight : SettlementClaim.Marker;
                settler.Enqueue(new Settlement(usageEvent, key.Tpm, tokenDelta, Claim: answeredClaim) { EndUserField = request.EndUserField }, mayLinger, key.RedisNames);
                return;
            }

            // Not yet (an answer faster than Redis's, or the admission lingering for company). The settlement must not
            // reach Redis before the admission, so it is queued on the answer; but it is journalled now, and the
            // admission sent now, so a process killed in between loses nothing: the admission reaches Redis (its bytes
            // are the kernel's), and the next start replays the line, claiming the in-flight record the admission made.
            // The same claim as the live settlement when the admission is admitted (the usual answer), so replaying a
            // line whose settlement did reach Redis finds the record gone and charges nothing; and no per-event marker.
            _admission!.Flush();
            request.AwaitingAnswer = (settler.Journal(new Settlement(usageEvent, key.Tpm, tokenDelta, Claim: SettlementClaim.Inflight) { EndUserField = request.EndUserField }), mayLinger);
            optimistic.WhenAnswered(static (answered, state) => ((MeteredRequest)state).Meter!.SettleAnswered((MeteredRequest)state, answered), request);
            return;
        }

        var claim = request.HasInflightRecord ? SettlementClaim.Inflight : SettlementClaim.Marker;
        settler.Enqueue(new Settlement(usageEvent, key.Tpm, tokenDelta, Claim: claim) { EndUserField = request.EndUserField }, mayLinger, key.RedisNames);
    }

    /// <summary>Queues the journalled settlement of an optimistically admitted request once Redis has answered its admission.</summary>
    private void SettleAnswered(MeteredRequest request, OptimisticAdmission answered)
    {
        CountRefusal(answered);
        var (journalled, mayLinger) = request.AwaitingAnswer;
        if (!answered.IsAdmitted)
        {
            // Refused (no record) or failed (perhaps none): the event's marker claims it, and removes a record should one
            // exist. The journal's line still claims a record: replayed after this settles, it finds none and charges
            // nothing; replayed instead of it (killed first), it charges the record if the admission made one.
            journalled = journalled with { Settlement = journalled.Settlement with { Claim = SettlementClaim.Marker } };
        }

        _settler!.Submit(journalled, mayLinger, request.Key!.RedisNames);
    }

    private void CountRefusal(OptimisticAdmission answered)
    {
        if (answered.WasRefused)
        {
            _meteringMetrics?.OptimisticRefused();
        }
    }

    private async ValueTask<MeteredRequest> AdmitCoreAsync(
        HttpContext context, ApiKeyInfo key, string model, long promptEstimate, System.Threading.RateLimiting.RateLimitLease? lease, CostBound bound, string? endUser)
    {
        var mostCost = bound.Most(promptEstimate, out var dearest);
        var eventId = UniqueId.NewHex();
        var requestId = context.Response.Headers[RequestId.HeaderName].ToString();
        var admittedAt = _time.GetUtcNow().ToUnixTimeMilliseconds();
        // A key that limits its end users holds a request naming one to those limits, and it waits for Redis's verdict:
        // the key's room says nothing of what this end user has left. A key that caps their spend counts it.
        var endUserId = key.LimitsEndUsers && endUser is not null ? EndUserSpend.Field(endUser) : null;
        var endUserField = key.CapsEndUsers ? endUserId : null;
        var inflight = InflightRecord(key, model, requestId, eventId, promptEstimate, 0, admittedAt, endUser, endUserField);
        if (_options.OptimisticAdmission
            && endUserId is null
            && _admission!.TryAdmitOptimistically(key, promptEstimate, eventId, inflight, _minOptimisticBalance, _options.OptimisticMaxAge, mayLinger: InFlight > 1, out var projected, mostCost) is { } optimistic)
        {
            _meteringMetrics?.AdmittedOptimistically();
            return Admitted(context, key, model, promptEstimate, lease, eventId, requestId, admittedAt, projected, recorded: true, optimistic, endUser, endUserField);
        }

        AdmissionOutcome outcome;
        var recorded = true;
        var waitStarted = Stopwatch.GetTimestamp();
        try
        {
            outcome = await _admission!.AdmitAsync(key, promptEstimate, eventId, inflight, mostCost, endUserId);
            _meteringMetrics?.AdmissionWaited(Stopwatch.GetElapsedTime(waitStarted));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            outcome = AdmitWithoutRedis(key, model, promptEstimate, mostCost, ex);
            recorded = false;
        }

        if (outcome.Verdict != AdmissionVerdict.Admitted)
        {
            lease?.Dispose();
            return await RejectAsync(
                context,
                outcome,
                outcome.Verdict == AdmissionVerdict.CannotAfford ? CannotAffordMessage(outcome.RejectedLimit, mostCost, promptEstimate, bound.MaxOutputTokens, bound.Choices, dearest) : null);
        }

        if (recorded)
        {
            _meteringMetrics?.AdmittedByRedis();
        }
        else
        {
            _meteringMetrics?.AdmittedLocally();
        }

        return Admitted(context, key, model, promptEstimate, lease, eventId, requestId, admittedAt, outcome.State, recorded, optimistic: null, endUser, endUserField);
    }

    private MeteredRequest Admitted(
        HttpContext context,
        ApiKeyInfo key,
        string model,
        long promptEstimate,
        System.Threading.RateLimiting.RateLimitLease? lease,
        string eventId,
        string requestId,
        long admittedAt,
        RateLimitState limits,
        bool recorded,
        OptimisticAdmission? optimistic,
        string? endUser,
        string? endUserField)
    {
        var request = new MeteredRequest(key, promptEstimate, lease, eventId)
        {
            Limits = limits,
            HasInflightRecord = recorded,
            Model = model,
            RequestId = requestId,
            AdmittedAt = admittedAt,
            Meter = this,
            Optimistic = optimistic,
            EndUser = endUser,
            EndUserField = endUserField,
        };
        if (recorded)
        {
            request.Output!.ReportProgressTo(request, _options.ProgressInterval);
        }

        if (limits != default)
        {
            // The request is the state (it holds the limits and the response): no tuple boxed per request.
            request.Response = context.Response;
            context.Response.OnStarting(static state =>
            {
                var request = (MeteredRequest)state;
                RateLimitHeaders.Write(request.Response!, request.Limits);
                return Task.CompletedTask;
            }, request);
        }

        return request;
    }

    /// <summary>
    /// What to charge if this gateway dies before settling: the prompt estimate plus the output delivered so far, as an
    /// aborted, estimated event, with this instance's id (the sweep settles it once the instance's heartbeat is gone)
    /// and the time of this sign of life as <c>endedAt</c>. The sweep settles it under the same event id, so a late real
    /// settlement is a no-op. Serialized where it is sent (straight into the request pipeline's command).
    /// </summary>
    private Settlement InflightRecord(
        ApiKeyInfo key, string model, string requestId, string eventId, long promptEstimate, long delivered, long admittedAt, string? endUser, string? endUserField)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var usageEvent = new UsageEvent
        {
            Id = eventId,
            RequestId = requestId,
            KeyId = key.KeyId,
            Account = key.Account!,
            Model = model,
            Provider = "unknown",
            User = endUser,
            PromptTokens = promptEstimate,
            CompletionTokens = delivered,
            CostNanos = _prices.For(model).Cost(promptEstimate, delivered),
            Status = UsageStatus.Aborted,
            HttpStatus = 499,
            StartedAt = admittedAt,
            EndedAt = now,
            LatencyMs = now - admittedAt,
            Estimated = true,
        };
        return new Settlement(usageEvent, key.Tpm, delivered, _instance?.Id) { EndUserField = endUserField };
    }

    private AdmissionOutcome AdmitWithoutRedis(ApiKeyInfo key, string model, long promptEstimate, long mostCost, Exception ex)
    {
        LogRedisDown(ex.Message);
        var closed = _options.WhenRedisDown == AdmissionFailurePolicy.Closed
            || (_options.WhenRedisDown == AdmissionFailurePolicy.ClosedForPaid && key.AccountPaid);
        if (closed)
        {
            return new AdmissionOutcome(AdmissionVerdict.Unavailable, 1000, default);
        }

        // The prompt is the least this request will cost; its output reaches the caps once settled into Redis.
        return _fallback.TryAdmit(key, promptEstimate, _prices.For(model).Cost(promptEstimate, 0), mostCost);
    }

    /// <summary>
    /// Why a request the balance cannot cover was refused, and what the balance would cover: OpenRouter's "requires more
    /// credits, or fewer max_tokens", with the figures.
    /// </summary>
    internal static string CannotAffordMessage(long balanceNanos, long mostCostNanos, long promptEstimate, int maxOutputTokens, int choices, ModelPrice price)
    {
        var perToken = price.OutputPerMillion * 1_000m; // nano-dollars per output token
        var affordable = perToken <= 0 ? 0 : (long)decimal.Floor((balanceNanos - price.Cost(promptEstimate, 0)) / perToken / choices);
        var advice = affordable > 0
            ? string.Create(CultureInfo.InvariantCulture, $"Ask for at most {affordable:N0} output tokens (max_tokens), or add credit.")
            : "Please add credit to continue.";
        var output = choices > 1
            ? string.Create(CultureInfo.InvariantCulture, $"up to {maxOutputTokens:N0} output tokens for each of its {choices} choices")
            : string.Create(CultureInfo.InvariantCulture, $"up to {maxOutputTokens:N0} output tokens");
        return string.Create(
            CultureInfo.InvariantCulture,
            $"You exceeded your current quota: this request could cost up to ${Nanos.FormatDollars(mostCostNanos)} (its prompt and {output}), more than the ${Nanos.FormatDollars(balanceNanos)} left on the account. {advice}");
    }

    private async Task<MeteredRequest> RejectAsync(HttpContext context, AdmissionOutcome outcome, string? detail = null)
    {
        var (status, type, code, message) = outcome.Verdict switch
        {
            AdmissionVerdict.RequestsExceeded => (429, "requests", "rate_limit_exceeded",
                $"Rate limit reached for requests per min (RPM): Limit {outcome.RejectedLimit}. Please try again in {RateLimitHeaders.FormatDuration(outcome.RetryAfterMs)}."),
            AdmissionVerdict.TokensExceeded => (429, "tokens", "rate_limit_exceeded",
                $"Rate limit reached for tokens per min (TPM): Limit {outcome.RejectedLimit}. Please try again in {RateLimitHeaders.FormatDuration(outcome.RetryAfterMs)}."),
            AdmissionVerdict.EndUserRequestsExceeded => (429, "requests", "rate_limit_exceeded",
                $"Rate limit reached for requests per min (RPM) for this end user: Limit {outcome.RejectedLimit} per end user of this API key. Please try again in {RateLimitHeaders.FormatDuration(outcome.RetryAfterMs)}."),
            AdmissionVerdict.ConcurrencyExceeded => (429, "requests", "rate_limit_exceeded",
                $"Too many concurrent requests for this API key: Limit {outcome.RejectedLimit}. Please retry when one has finished."),
            AdmissionVerdict.NoBalance => (402, "insufficient_quota", "insufficient_quota",
                "You exceeded your current quota: the account balance is exhausted. Please add credit to continue."),
            AdmissionVerdict.CapReached => (402, "insufficient_quota", "insufficient_quota",
                "You exceeded your current quota: a daily or monthly spending limit has been reached."),
            AdmissionVerdict.CannotAfford => (402, "insufficient_quota", "insufficient_quota", detail ?? "You exceeded your current quota."),
            AdmissionVerdict.Suspended => (403, OpenAIErrorResponse.InvalidRequest, "account_suspended",
                "The account this API key belongs to is suspended."),
            AdmissionVerdict.EndUserDailyCapReached => (402, "insufficient_quota", EndUserCapCode,
                $"You exceeded your current quota: this end user has reached the spending limit of ${Nanos.FormatDollars(outcome.RejectedLimit)} per UTC day that this API key sets for each end user. It resets at 00:00 UTC."),
            AdmissionVerdict.EndUserMonthlyCapReached => (402, "insufficient_quota", EndUserCapCode,
                $"You exceeded your current quota: this end user has reached the spending limit of ${Nanos.FormatDollars(outcome.RejectedLimit)} per calendar month that this API key sets for each end user. It resets on the 1st at 00:00 UTC."),
            _ => (503, OpenAIErrorResponse.ServerError, "service_unavailable",
                "Usage limits cannot be checked right now. Please try again shortly."),
        };
        // An end user's RPM answers the key's code (what clients handle), but counts apart: an SRE tells one end user's
        // burst from a key's.
        _metrics.Rejected(outcome.Verdict == AdmissionVerdict.EndUserRequestsExceeded ? EndUserRateLimitMetricCode : code);
        if (status is 429 or 503)
        {
            RateLimitHeaders.WriteRetryAfter(context.Response, TimeSpan.FromMilliseconds(outcome.RetryAfterMs));
        }
        else if (outcome.Verdict is AdmissionVerdict.EndUserDailyCapReached or AdmissionVerdict.EndUserMonthlyCapReached)
        {
            // When the end user's period turns: an app can tell its user when to come back.
            var now = _time.GetUtcNow();
            var day = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
            var reset = outcome.Verdict == AdmissionVerdict.EndUserDailyCapReached ? day.AddDays(1) : day.AddDays(1 - day.Day).AddMonths(1);
            RateLimitHeaders.WriteRetryAfter(context.Response, reset - now);
        }

        if (outcome.Verdict is (AdmissionVerdict.RequestsExceeded or AdmissionVerdict.EndUserRequestsExceeded) && outcome.RejectedLimit > 0)
        {
            RateLimitHeaders.Write(context.Response, new RateLimitState(outcome.RejectedLimit, 0, outcome.RetryAfterMs, 0, 0, 0));
        }
        else if (outcome.Verdict == AdmissionVerdict.TokensExceeded && outcome.RejectedLimit > 0)
        {
            RateLimitHeaders.Write(context.Response, new RateLimitState(0, 0, 0, outcome.RejectedLimit, 0, outcome.RetryAfterMs));
        }

        await OpenAIErrorResponse.WriteAsync(context, status, message, type, code: code);
        return MeteredRequest.Rejected;
    }

    /// <summary>The error code of a request refused by its key's cap per end user (402).</summary>
    public const string EndUserCapCode = "end_user_budget_exceeded";

    /// <summary>The rejection metric's code for a request over its key's RPM per end user (answered as <c>rate_limit_exceeded</c>).</summary>
    public const string EndUserRateLimitMetricCode = "end_user_rate_limit_exceeded";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Background response {ResponseId} not held for billing (Redis: {Error}): billed its prompt estimate now")]
    private partial void LogBackgroundNotHeld(string responseId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis unreachable at admission: {Error}")]
    private partial void LogRedisDown(string error);
}
