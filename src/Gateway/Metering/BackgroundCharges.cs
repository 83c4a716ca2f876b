using System.Text.Json;
using MassRouter.Core.Redis;
using MassRouter.Core.Usage;
using MassRouter.Gateway.Providers;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Transforms.Ingress.Responses;
using MassRouter.Gateway.Transforms.Usage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// Bills background responses (OpenAI's Responses API with <c>background: true</c>): the provider answers the request at
/// once, queued, and generates afterwards, so the usage is known only when the response has finished. The request's
/// charge is held in Redis (<see cref="RedisKeys.BackgroundCharges"/>, due in <see cref="RedisKeys.BackgroundDue"/>) and
/// every instance polls: a due response is claimed by one (its next due time moved past a lease), fetched from its
/// provider with the provider's credential, and, once it has finished (<c>completed</c>, <c>incomplete</c>, <c>failed</c>,
/// <c>cancelled</c>), settled with the provider's usage under the event id chosen at admission. The settlement's marker
/// makes it exactly-once, so two instances checking the same response (a lease that ran out) charge it once. A response
/// the provider no longer has, that never finishes within <see cref="MeteringOptions.BackgroundMaxAge"/>, or whose
/// provider left the catalog, is billed its prompt estimate, as a request cut short is.
/// </summary>
internal sealed partial class BackgroundCharges(
    IConnectionMultiplexer redis,
    UsageSettler settler,
    ModelCatalog catalog,
    IOptions<MeteringOptions> options,
    TimeProvider time,
    MeteringMetrics metrics,
    ILogger<BackgroundCharges> logger) : BackgroundService
{
    /// <summary>How long a claimed check may take before another instance may make it again.</summary>
    private static readonly TimeSpan ClaimLease = TimeSpan.FromSeconds(60);

    // A provider silent this long about one response is asked again later.
    private static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(30);

    private const int BatchSize = 32;

    /// <summary>
    /// Claims a due response: its score moved past the lease (so no other instance checks it meanwhile) and its charge
    /// returned; nil when it is not due (another instance claimed it) or already settled.
    /// </summary>
    private const string ClaimScript = """
        local due = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if not due or tonumber(due) > tonumber(ARGV[2]) then return false end
        local charge = redis.call('HGET', KEYS[2], ARGV[1])
        if not charge then redis.call('ZREM', KEYS[1], ARGV[1]) return false end
        redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
        return charge
        """;

    /// <summary>Holds a charge (once: a response id held already is left as it is) and counts it against its account.</summary>
    private const string HoldScript = """
        if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
          redis.call('HINCRBY', KEYS[3], ARGV[4], 1)
        end
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
        return 1
        """;

    /// <summary>Forgets a settled charge, and takes it off its account's count (only if it was still held).</summary>
    private const string ForgetScript = """
        if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
          if redis.call('HINCRBY', KEYS[3], ARGV[2], -1) <= 0 then redis.call('HDEL', KEYS[3], ARGV[2]) end
        end
        redis.call('ZREM', KEYS[2], ARGV[1])
        return 1
        """;

    private readonly MeteringOptions _options = options.Value;

    // Unix ms before which the poller does not ask Redis: set when the last poll found no charge held by any instance (an
    // idle gateway then asks once per BackgroundPollMax, not every BackgroundPollInterval: fewer Redis calls, and no
    // memory for a loop compiled hot); -1 once this instance holds a charge (poll at the next tick); 0 while polling.
    private long _quietUntil;

    /// <summary>
    /// Holds <paramref name="charge"/> until its response has finished (first checked after
    /// <see cref="MeteringOptions.BackgroundPollInterval"/>); throws when Redis cannot take it.
    /// </summary>
    public async Task HoldAsync(BackgroundCharge charge)
    {
        var json = JsonSerializer.Serialize(charge, MeteringJson.Default.BackgroundCharge);
        var due = time.GetUtcNow().ToUnixTimeMilliseconds() + (long)_options.BackgroundPollInterval.TotalMilliseconds;
        await redis.GetDatabase().ScriptEvaluateAsync(
            HoldScript,
            [RedisKeys.BackgroundCharges, RedisKeys.BackgroundDue, RedisKeys.BackgroundHeld],
            [charge.ResponseId, json, due, charge.Account]);
        // After the charge is in Redis: a poll that found the set empty before it cannot keep the poller quiet (see PollOnceAsync).
        Volatile.Write(ref _quietUntil, -1);
        metrics.BackgroundHeld();
    }

    /// <summary>
    /// Checks <paramref name="responseId"/> now if its charge is held (before its owner deletes it, which would leave the
    /// provider nothing to tell): settled if finished. False when it is not held (or Redis cannot say).
    /// </summary>
    public async Task<bool> CheckNowAsync(string responseId, CancellationToken cancellationToken)
    {
        try
        {
            var json = await redis.GetDatabase().HashGetAsync(RedisKeys.BackgroundCharges, responseId);
            if (json.IsNullOrEmpty)
            {
                return false;
            }

            await CheckAsync(Parse(json!), cancellationToken);
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogCheckFailed(responseId, e.Message);
            return false;
        }
    }

    /// <summary>
    /// The charge held for <paramref name="responseId"/>, or null when none is (or Redis cannot say: the pollers settle it
    /// then).
    /// </summary>
    public async Task<BackgroundCharge?> HeldAsync(string responseId)
    {
        try
        {
            var json = await redis.GetDatabase().HashGetAsync(RedisKeys.BackgroundCharges, responseId);
            return json.IsNullOrEmpty ? null : Parse(json!);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or JsonException)
        {
            LogCheckFailed(responseId, e.Message);
            return null;
        }
    }

    /// <summary>
    /// Settles <paramref name="charge"/> when <paramref name="response"/>, its provider's Response object (as a client's
    /// retrieval or cancel was answered), shows it finished; false while it runs. A client polling its response to
    /// completion sees its balance charged then, not at the next poll (up to <see cref="MeteringOptions.BackgroundPollMax"/>
    /// later); the event id's marker keeps it to one charge should a poller settle it too.
    /// </summary>
    public async Task<bool> SettleIfFinishedAsync(BackgroundCharge charge, ReadOnlyMemory<byte> response)
    {
        if (Finished(response.Span) is not { } finished)
        {
            return false;
        }

        var usage = default(TokenUsage);
        usage.IsKnown = ResponsesUsageReader.ReadResponse(response.Span, ref usage);
        var (usageStatus, httpStatus) = finished switch
        {
            "failed" => (UsageStatus.Error, 500),
            "cancelled" => (UsageStatus.Aborted, 499),
            _ => (UsageStatus.Ok, 200),
        };

        // Without the provider's usage: a failed response is not billed (as a provider's error is not); one cancelled
        // (or finished) without it is billed its prompt estimate, as a request its client abandoned is.
        await SettleAsync(charge, estimate: !usage.IsKnown && finished != "failed", usage, usageStatus, httpStatus);
        return true;
    }

    /// <summary>Claims and checks the responses due now; returns how many were checked.</summary>
    public async Task<int> PollOnceAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _quietUntil, 0);
        var db = redis.GetDatabase();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // The earliest held charges, by due time: those due now are a prefix; none at all means no instance holds any.
        var earliest = await db.SortedSetRangeByRankWithScoresAsync(RedisKeys.BackgroundDue, 0, BatchSize - 1);
        if (earliest.Length == 0)
        {
            // Quiet only if no charge was held here meanwhile (HoldAsync's -1 fails the exchange).
            Interlocked.CompareExchange(ref _quietUntil, now + (long)_options.BackgroundPollMax.TotalMilliseconds, 0);
            return 0;
        }

        var claimed = new List<BackgroundCharge>(earliest.Length);
        foreach (var entry in earliest)
        {
            if (entry.Score > now)
            {
                break;
            }

            var id = entry.Element;
            var charge = await db.ScriptEvaluateAsync(
                ClaimScript,
                [RedisKeys.BackgroundDue, RedisKeys.BackgroundCharges],
                [id, now, now + (long)ClaimLease.TotalMilliseconds]);
            if (charge.IsNull)
            {
                continue;
            }

            try
            {
                claimed.Add(Parse((string)charge!));
            }
            catch (JsonException e)
            {
                // Not written by this code: nothing can bill it, and checking it again would not help.
                LogCorrupt((string)id!, e.Message);
                await db.HashDeleteAsync(RedisKeys.BackgroundCharges, id);
                await db.SortedSetRemoveAsync(RedisKeys.BackgroundDue, id);
            }
        }

        if (claimed.Count > 0)
        {
            await CheckAllAsync(claimed, cancellationToken);
        }

        return claimed.Count;
    }

    // A method of its own: an idle gateway (no background response due) never loads System.Threading.Tasks.Parallel.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private Task CheckAllAsync(List<BackgroundCharge> claimed, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(
            claimed,
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (charge, token) => await CheckAsync(charge, token));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The settler's replay of an earlier process's leftovers goes first, as the sweeps' does.
        await settler.Recovered.WaitAsync(stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        using var timer = new PeriodicTimer(_options.BackgroundPollInterval, time);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await timer.WaitForNextTickAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (time.GetUtcNow().ToUnixTimeMilliseconds() < Volatile.Read(ref _quietUntil))
            {
                continue;
            }

            try
            {
                // A full batch: more are due, so the next one goes at once.
                while (await PollOnceAsync(stoppingToken) == BatchSize && !stoppingToken.IsCancellationRequested)
                {
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Redis down, or a charge that cannot be read: the next tick tries again; the service never stops the host.
                LogPollFailed(e.Message);
            }
        }
    }

    /// <summary>Asks the provider how the response stands, and settles it or schedules the next check.</summary>
    private async Task CheckAsync(BackgroundCharge charge, CancellationToken cancellationToken)
    {
        var age = TimeSpan.FromMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds() - charge.StartedAt);
        if (catalog.Provider(charge.Provider) is not { ResponsesUrl: { } url } provider)
        {
            await SettleAsync(charge, estimate: true, default, UsageStatus.Aborted, 499);
            return;
        }

        var (status, body) = await FetchAsync(provider, url + "/" + Uri.EscapeDataString(charge.ResponseId), cancellationToken);
        if (status == 200 && await SettleIfFinishedAsync(charge, body))
        {
            return;
        }

        if (status == 404 || age >= _options.BackgroundMaxAge)
        {
            // The provider no longer has it (or it never finished): what admission counted, as for a request cut short.
            LogUnreadable(charge.ResponseId, charge.Provider, status);
            await SettleAsync(charge, estimate: true, default, UsageStatus.Aborted, 499);
            return;
        }

        var wait = TimeSpan.FromTicks(Math.Clamp(age.Ticks / 10, _options.BackgroundPollInterval.Ticks, _options.BackgroundPollMax.Ticks));
        var next = time.GetUtcNow().ToUnixTimeMilliseconds() + (long)wait.TotalMilliseconds;
        await redis.GetDatabase().SortedSetAddAsync(RedisKeys.BackgroundDue, charge.ResponseId, next, SortedSetWhen.Exists);
    }

    /// <summary>The provider's answer to a retrieval: status and body, or status 0 when it could not be asked.</summary>
    private async Task<(int Status, byte[] Body)> FetchAsync(ProviderEndpoint provider, string url, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        provider.ApplyHeaders(request.Headers, keepClientAnthropicVersion: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(FetchTimeout);
        var invoker = provider.Connections.Acquire();
        try
        {
            using var answer = await invoker.SendAsync(request, timeout.Token);
            return ((int)answer.StatusCode, await answer.Content.ReadAsByteArrayAsync(timeout.Token));
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogFetchFailed(provider.Name, e.Message);
            return (0, []);
        }
        finally
        {
            provider.Connections.Release(invoker);
        }
    }

    /// <summary>
    /// Settles the charge (journalled first, so a kill loses nothing; the event id's marker makes a second settlement a
    /// no-op), then forgets it.
    /// </summary>
    private async Task SettleAsync(BackgroundCharge charge, bool estimate, TokenUsage usage, string status, int httpStatus)
    {
        var usageEvent = charge.Bill(usage, estimate, status, httpStatus, time.GetUtcNow().ToUnixTimeMilliseconds());
        settler.Enqueue(
            new Settlement(usageEvent, charge.KeyTpm, usageEvent.PromptTokens + usageEvent.CompletionTokens - charge.PromptEstimate, Claim: SettlementClaim.Marker)
            {
                EndUserField = charge.EndUserField,
            });
        metrics.BackgroundSettled(estimate);

        await redis.GetDatabase().ScriptEvaluateAsync(
            ForgetScript,
            [RedisKeys.BackgroundCharges, RedisKeys.BackgroundDue, RedisKeys.BackgroundHeld],
            [charge.ResponseId, charge.Account]);
    }

    /// <summary>How many background responses <paramref name="account"/> has in progress (held, not yet settled).</summary>
    public async Task<long> HeldCountAsync(string account)
    {
        var count = await redis.GetDatabase().HashGetAsync(RedisKeys.BackgroundHeld, account);
        return count.TryParse(out long held) ? held : 0;
    }

    /// <summary>The status of a finished Response (<c>completed</c>, <c>incomplete</c>, <c>failed</c>, <c>cancelled</c>); null while it runs.</summary>
    internal static string? Finished(ReadOnlySpan<byte> response)
    {
        try
        {
            var reader = new Utf8JsonReader(response);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isStatus = reader.ValueTextEquals("status"u8);
                reader.Read();
                if (isStatus)
                {
                    return reader.TokenType != JsonTokenType.String ? null
                        : reader.ValueTextEquals("completed"u8) ? "completed"
                        : reader.ValueTextEquals("incomplete"u8) ? "incomplete"
                        : reader.ValueTextEquals("failed"u8) ? "failed"
                        : reader.ValueTextEquals("cancelled"u8) ? "cancelled"
                        : null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    private static BackgroundCharge Parse(string json) =>
        JsonSerializer.Deserialize(json, MeteringJson.Default.BackgroundCharge) ?? throw new JsonException("A background charge is null.");

    [LoggerMessage(Level = LogLevel.Error, Message = "Background charge {ResponseId} is unreadable and was dropped: {Error}")]
    private partial void LogCorrupt(string responseId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Background responses could not be polled: {Error}")]
    private partial void LogPollFailed(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Background response {ResponseId} could not be checked: {Error}")]
    private partial void LogCheckFailed(string responseId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} could not be asked about a background response: {Error}")]
    private partial void LogFetchFailed(string provider, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Background response {ResponseId} on {Provider} cannot be read (status {Status}) or never finished: billed its prompt estimate")]
    private partial void LogUnreadable(string responseId, string provider, int status);
}
