using System.Globalization;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MassRouter.Gateway.Limits;

/// <summary>
/// Runs <see cref="AdmissionScript"/> (in the pipeline's admission batches): waited for, or, while the key has
/// plenty of room by Redis's last answer, sent without waiting (<see cref="TryAdmitOptimistically"/>).
/// </summary>
internal sealed class RedisAdmission(
    IConnectionMultiplexer redis, RespPipeline pipeline, LocalFallbackLimiter fallback, TimeProvider time, IOptions<MeteringOptions> options)
{
    // The key's room is tracked only when it is used: otherwise it would be a lock per request for nothing.
    private readonly bool _tracksHeadroom = options.Value.OptimisticAdmission;
    private readonly AdmissionBatcher _batcher = new(pipeline, options.Value.AdmissionLinger);


    /// <summary>Checks and counts; throws <see cref="RedisException"/> when Redis cannot be reached.</summary>
    /// <remarks><paramref name="inflight"/> is recorded under <paramref name="eventId"/> when admitted, and charged by
    /// the abandoned-request sweep if no gateway settles it.</remarks>
    /// <param name="mostCostNanos">The most the request could cost: a lower balance refuses it (0: any positive balance).</param>
    /// <param name="endUserField">The end user the request names (<see cref="EndUserSpend"/>), when the key limits its end users.</param>
    public async Task<AdmissionOutcome> AdmitAsync(ApiKeyInfo key, long tokens, string eventId, Settlement inflight, long mostCostNanos = 0, string? endUserField = null)
    {
        var now = time.GetUtcNow();
        var arguments = AdmissionArguments.For(key, tokens, eventId, inflight, now, mostCostNanos, endUserField);

        // Counted against the key's room until answered, so a request admitted optimistically meanwhile cannot rely on
        // room this one takes first (Redis may run it first; seen as one request over the limit in a burst).
        var headroom = _tracksHeadroom ? key.Headroom : null;
        headroom?.Track(tokens);
        try
        {
            long[]? result = null;
            if (pipeline.IsUsable)
            {
                // Batched with the admissions sent while others await their answer; completed on the I/O thread that
                // read the reply, where the request goes on without a hop. Null: the pipeline could not take it after all.
                var request = new AdmissionBatcher.Request(arguments);
                _batcher.Submit(request, mayLinger: false);
                result = await request.Task;
            }

            result ??= await EvaluateAsync(arguments);
            return Interpret(key, now, result);
        }
        finally
        {
            // After the answer is recorded: between the two the room is understated by one, never overstated.
            headroom?.Release(tokens);
        }
    }

    /// <summary>The admission script through the multiplexer, for one request: its answer.</summary>
    private async Task<long[]> EvaluateAsync(AdmissionArguments arguments)
    {
        var (keys, values) = arguments.ToArrays();
        var results = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(AdmissionScript.Lua, keys, values))!;
        return AdmissionScript.SingleAnswer(Array.ConvertAll(results, static item => item.IsNull ? 0 : (long)item));
    }

    /// <summary>Runs an optimistic admission the pipeline could not take through the multiplexer, and hands it the answer.</summary>
    internal async Task RunDirectAsync(OptimisticAdmission admission)
    {
        long[] answer;
        try
        {
            answer = await EvaluateAsync(admission.Arguments);
        }
        catch (Exception ex)
        {
            admission.Fail(ex);
            return;
        }

        admission.Answer(answer);
    }

    /// <summary>Sends the optimistic admissions lingering for company now (a request they belong to has ended).</summary>
    public void Flush() => _batcher.Tick(force: true);

    /// <summary>
    /// Admits without waiting for Redis when its last answer for this key leaves plenty of room (see
    /// <see cref="AdmissionHeadroom"/>): the admission script goes now (or with the pipeline's next batch), ahead of
    /// anything else this request sends to Redis, and its answer arrives on the returned operation. Null: wait for Redis.
    /// With <paramref name="mayLinger"/> (other requests in flight) it may wait up to
    /// <see cref="MeteringOptions.AdmissionLinger"/> for their Redis traffic.
    /// </summary>
    public OptimisticAdmission? TryAdmitOptimistically(
        ApiKeyInfo key, long tokens, string eventId, Settlement inflight, long minBalanceNanos, TimeSpan maxAge, bool mayLinger, out RateLimitState limits, long mostCostNanos = 0)
    {
        limits = default;
        if (!pipeline.IsUsable)
        {
            return null;
        }

        var headroom = key.Headroom;
        // A request that could cost more than the least room required waits for Redis's own judgement of the balance.
        if (!headroom.TryReserve(tokens, Math.Max(minBalanceNanos, mostCostNanos), maxAge, out limits))
        {
            return null;
        }

        var now = time.GetUtcNow();
        var operation = new OptimisticAdmission(this, key, headroom, tokens, now, AdmissionArguments.For(key, tokens, eventId, inflight, now, mostCostNanos));
        _batcher.Submit(operation, mayLinger);
        return operation;
    }

    /// <summary>Reads the script's answer, and records what it says about the key's spend and room.</summary>
    internal AdmissionOutcome Interpret(ApiKeyInfo key, DateTimeOffset now, ReadOnlySpan<long> result)
    {
        var code = (int)result[0];
        var verdict = code switch
        {
            AdmissionScript.Admitted => AdmissionVerdict.Admitted,
            AdmissionScript.RequestsExceeded => AdmissionVerdict.RequestsExceeded,
            AdmissionScript.TokensExceeded => AdmissionVerdict.TokensExceeded,
            AdmissionScript.NoBalance => AdmissionVerdict.NoBalance,
            AdmissionScript.Suspended => AdmissionVerdict.Suspended,
            AdmissionScript.CapReached => AdmissionVerdict.CapReached,
            AdmissionScript.CannotAfford => AdmissionVerdict.CannotAfford,
            AdmissionScript.EndUserDailyCapReached => AdmissionVerdict.EndUserDailyCapReached,
            AdmissionScript.EndUserMonthlyCapReached => AdmissionVerdict.EndUserMonthlyCapReached,
            AdmissionScript.EndUserRequestsExceeded => AdmissionVerdict.EndUserRequestsExceeded,
            _ => throw new InvalidOperationException("Unknown admission result " + code.ToString(CultureInfo.InvariantCulture)),
        };
        if (result.Length >= 12)
        {
            // Redis answers again: its counters are the truth, and what it says the key has spent is the local baseline
            // (not read, -1, when no cap applied: then there is no local cap to count against either).
            if (result[8] >= 0)
            {
                key.ObservedSpend.Record(now, new SpendSnapshot(result[8], result[9], result[10], result[11]));
            }

            fallback.Forget(key.Account!);
        }

        // What Redis says of the balance: the most local admission may count down from should Redis become unreachable.
        if (verdict == AdmissionVerdict.Admitted && result.Length >= 14)
        {
            key.ObservedSpend.RecordBalance(result[12]);
        }
        else if (verdict == AdmissionVerdict.NoBalance)
        {
            key.ObservedSpend.RecordBalance(0);
        }
        else if (verdict == AdmissionVerdict.CannotAfford && result.Length > 2)
        {
            key.ObservedSpend.RecordBalance(result[2]);
        }

        if (verdict != AdmissionVerdict.Admitted)
        {
            // One end user's cap says nothing of the key's room for the others.
            if (_tracksHeadroom && verdict is not (AdmissionVerdict.EndUserDailyCapReached or AdmissionVerdict.EndUserMonthlyCapReached or AdmissionVerdict.EndUserRequestsExceeded))
            {
                key.Headroom.Invalidate();
            }

            return new AdmissionOutcome(verdict, result[1], default, result.Length > 2 ? result[2] : 0);
        }

        var state = new RateLimitState(result[2], result[3], result[4], result[5], result[6], result[7]);
        if (_tracksHeadroom && result.Length >= 14)
        {
            key.Headroom.Record(state, result[12], result[13]);
        }

        return new AdmissionOutcome(verdict, 0, state);
    }

    /// <summary>
    /// Replaces an admitted request's in-flight record (only while it exists), fire and forget: never waits on Redis,
    /// and a lost update only leaves the previous, smaller estimate.
    /// </summary>
    public void UpdateInflight(ApiKeyInfo key, string eventId, byte[] inflight)
    {
        try
        {
            redis.GetDatabase().ScriptEvaluate(Metering.ProgressScript.Lua, [key.RedisNames.Inflight], [eventId, inflight], CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Redis unreachable: the record keeps its previous value.
        }
    }
}
