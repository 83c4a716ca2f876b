using System.Text.Json;
using System.Threading.Channels;
using MassRouter.Core.Redis;
using MassRouter.Core.Usage;
using MassRouter.Gateway.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// Settles usage off the request path: the handler enqueues after the response is complete (the settlement is first
/// written to the <see cref="SettlementJournal"/>, so a killed process loses nothing), then <see cref="SettleScript"/>
/// runs (one round trip each): sent at once on the request-path <see cref="RespPipeline"/> and handled where its reply
/// is read, or, while that pipeline is not usable, by background workers through the multiplexer. Events that cannot
/// reach Redis go to the <see cref="UsageSpool"/>,
/// replayed when Redis answers again. On start, what an earlier process left in the journal is replayed like the spool.
/// Stopping drains the queue first.
/// </summary>
internal sealed partial class UsageSettler : BackgroundService
{
    private const int Workers = 4;

    private static readonly RespScript ReleaseScript = new("return redis.call('HDEL', KEYS[1], ARGV[1])");

    private readonly Channel<(Settlement Settlement, JournalSegment? Entry)> _queue =
        Channel.CreateUnbounded<(Settlement, JournalSegment?)>(new UnboundedChannelOptions { SingleReader = false });
    private readonly IConnectionMultiplexer _redis;
    private readonly RespPipeline _pipeline;
    private readonly SettlementBatcher _batcher;
    private readonly UsageSpool _spool;
    private readonly SettlementJournal _journal;
    private readonly MeteringOptions _options;
    private readonly ILogger<UsageSettler> _logger;
    private readonly MeteringMetrics _metrics;
    private readonly Lock _idleLock = new();
    private readonly SemaphoreSlim _replayGate = new(1, 1);
    private bool? _announceInScript;
    private readonly TaskCompletionSource _recovered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _idle = CompletedSource();
    private int _pending;
    private volatile bool _stopping;

    public UsageSettler(IConnectionMultiplexer redis, RespPipeline pipeline, IOptions<MeteringOptions> options, IHostEnvironment environment, MeteringMetrics metrics, ILogger<UsageSettler> logger)
    {
        _redis = redis;
        _pipeline = pipeline;
        _metrics = metrics;
        _options = options.Value;
        _logger = logger;
        _batcher = new SettlementBatcher(pipeline, this, _options.SettledMarkerTtl, _options.SettlementLinger);
        var spool = Path.GetFullPath(_options.SpoolPath, environment.ContentRootPath);
        _spool = new UsageSpool(spool);
        _journal = new SettlementJournal(
            string.IsNullOrWhiteSpace(_options.JournalPath) ? Path.ChangeExtension(spool, ".journal") : Path.GetFullPath(_options.JournalPath, environment.ContentRootPath),
            logger);
    }

    public UsageSpool Spool => _spool;

    /// <summary>Completes once the first replay of the journal's leftovers and the spool has been tried.</summary>
    public Task Recovered => _recovered.Task;

    /// <summary>True while anything this gateway accepted is not yet in Redis (queued, journalled by an earlier process, or spooled).</summary>
    public bool HasUnsettled
    {
        get
        {
            lock (_idleLock)
            {
                if (_pending > 0)
                {
                    return true;
                }
            }

            return _spool.HasEntries || _journal.HasLeftovers;
        }
    }

    /// <summary>
    /// Writes the settlement to the journal, then queues it; never blocks on Redis. Called on the request's thread once
    /// the response is complete: the journal append is a copy into a mapped file. <paramref name="mayLinger"/>: other
    /// requests are in flight, so the settlement may wait (<see cref="MeteringOptions.SettlementLinger"/>) to go with
    /// their commands; a lone request's goes at once. <paramref name="names"/>: the Redis key names of the request's API
    /// key, so the settle script's keys are not built again.
    /// </summary>
    public void Enqueue(Settlement settlement, bool mayLinger = true, Limits.AccountKeyNames? names = null) =>
        Submit(Journal(settlement), mayLinger, names);

    /// <summary>
    /// Writes the settlement to the journal now and queues it later (<see cref="Submit"/>): for a response complete before
    /// Redis answered its optimistic admission, which must reach Redis before the settlement does. A process killed in
    /// between loses nothing: the next start replays the journal.
    /// </summary>
    public JournalledSettlement Journal(Settlement settlement)
    {
        lock (_idleLock)
        {
            if (_pending++ == 0)
            {
                _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        var entry = _journal.Append(settlement, out var eventJson);
        return new JournalledSettlement(settlement, entry, eventJson);
    }

    /// <summary>Queues a settlement <see cref="Journal"/> wrote (its claim may have been decided since: the same event).</summary>
    public void Submit(JournalledSettlement journalled, bool mayLinger = true, Limits.AccountKeyNames? names = null)
    {
        if (!_stopping && _pipeline.IsUsable)
        {
            _batcher.Submit(new SettlementBatcher.Item(journalled.Settlement, journalled.Entry, journalled.EventJson, names), mayLinger);
            return;
        }

        Requeue(journalled.Settlement, journalled.Entry);
    }

    /// <summary>Queues a journalled settlement for the workers (the multiplexer), or spools it when stopping.</summary>
    internal void Requeue(Settlement settlement, JournalSegment? entry)
    {
        if (!_queue.Writer.TryWrite((settlement, entry)))
        {
            // Shutting down: the queue is closed, the spool still takes it.
            _spool.Append(settlement);
            _journal.Complete(entry);
            Done();
        }
    }

    /// <summary>
    /// Drops the in-flight record of a request that turned out to have nothing to bill (fire and forget). On the
    /// request pipeline when it is usable, behind the request's admission script (which may not have been answered
    /// yet), so the removal cannot overtake the record's creation.
    /// </summary>
    public void Release(string account, string eventId)
    {
        if (_pipeline.TrySend(new RespIgnoredOperation(), ReleaseScript, [RedisKeys.Inflight(account)], [eventId]))
        {
            return;
        }

        try
        {
            _redis.GetDatabase().HashDelete(RedisKeys.Inflight(account), eventId, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (IsRedisDown(ex))
        {
            // Left for the abandoned-request sweep, which would charge the prompt estimate: rare, and on the safe side.
        }
    }


    /// <summary>Completes when every queued settlement has been settled or spooled.</summary>
    public Task WhenIdleAsync()
    {
        lock (_idleLock)
        {
            return _idle.Task;
        }
    }

    /// <summary>
    /// Replays what an earlier process left in the journal, then the spool; false when Redis is still unreachable (what
    /// is left stays on disk for the next attempt).
    /// </summary>
    public async Task<bool> ReplaySpoolAsync()
    {
        await _replayGate.WaitAsync();
        try
        {
            if (_journal.HasLeftovers)
            {
                var journalled = await _journal.ReplayLeftoversAsync(SettleAsync, line => LogCorruptSpoolLine(line));
                LogRecovered(journalled);
                _metrics.Replayed(journalled);
            }

            if (!_spool.HasEntries)
            {
                return true;
            }

            var count = 0;
            await _spool.ReplayAsync(
                async settlement =>
                {
                    await SettleAsync(settlement);
                    count++;
                },
                line => LogCorruptSpoolLine(line));
            LogReplayed(count);
            _metrics.Replayed(count);
            return true;
        }
        catch (Exception ex)
        {
            if (!IsRedisDown(ex))
            {
                LogReplayFailed(ex);
            }

            return false;
        }
        finally
        {
            _replayGate.Release();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        _batcher.Tick(force: true);
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);

        // Settlements sent on the pipeline are answered, or fail and are spooled, within the Redis timeout.
        await WhenIdleAsync().WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        // Drained: every journal entry is settled or spooled, so the journal leaves nothing behind (unless the host's
        // shutdown timeout cut the drain short; then the next start replays what is left).
        _journal.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var workers = new Task[Workers + 1];
        for (var i = 0; i < Workers; i++)
        {
            workers[i] = Task.Run(WorkAsync, CancellationToken.None);
        }

        workers[Workers] = ReplayLoopAsync(stoppingToken);
        await Task.WhenAll(workers);
    }

    private async Task WorkAsync()
    {
        await foreach (var (settlement, entry) in _queue.Reader.ReadAllAsync())
        {
            bool settled;
            try
            {
                settled = await RunSettleScriptAsync(settlement);
            }
            catch (Exception ex)
            {
                SpoolFailed(settlement, entry, ex);
                continue;
            }

            Settled(settlement, settled, entry);
        }
    }

    /// <summary>Counts a settlement Redis answered (settled, or a duplicate of one already settled) and reclaims its journal entry.</summary>
    internal void Settled(Settlement settlement, bool settled, JournalSegment? entry)
    {
        if (settled)
        {
            _metrics.Settled(settlement.Event.Model, settlement.Event.CostNanos);
        }
        else
        {
            _metrics.Duplicate();
        }

        _journal.Complete(entry);
        Done();
    }

    /// <summary>
    /// Spools a settlement Redis did not answer (unreachable, or a timeout after which the script may or may not have
    /// run: the replay is idempotent either way), then reclaims its journal entry: fsync'd to the spool, it has served
    /// its purpose.
    /// </summary>
    internal void SpoolFailed(Settlement settlement, JournalSegment? entry, Exception error)
    {
        try
        {
            _spool.Append(settlement);
            _metrics.Spooled();
            if (IsRedisDown(error))
            {
                LogSpooled(settlement.Event.Id, error.Message);
            }
            else
            {
                LogSettleFailed(error, settlement.Event.Id);
            }
        }
        finally
        {
            _journal.Complete(entry);
            Done();
        }
    }

    private async Task ReplayLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.SpoolReplayInterval);
        try
        {
            // First what an earlier process left behind, before the abandoned-request sweep may look at its requests.
            await ReplaySpoolAsync();
            _recovered.TrySetResult();
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if ((_spool.HasEntries || _journal.HasLeftovers) && _redis.IsConnected)
                {
                    await ReplaySpoolAsync();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: whatever is left stays spooled for the next start.
        }
        finally
        {
            _recovered.TrySetResult();
        }
    }

    /// <summary>
    /// Runs the settle script (idempotent by the settlement's <see cref="Settlement.Claim"/>) and counts it; throws when
    /// Redis cannot be reached.
    /// </summary>
    public async Task SettleAsync(Settlement settlement)
    {
        if (await RunSettleScriptAsync(settlement))
        {
            _metrics.Settled(settlement.Event.Model, settlement.Event.CostNanos);
        }
        else
        {
            _metrics.Duplicate();
        }
    }

    /// <summary>
    /// Runs the settle script through the multiplexer: true when it charged, false for a duplicate; throws when Redis
    /// cannot be reached.
    /// </summary>
    private async Task<bool> RunSettleScriptAsync(Settlement settlement)
    {
        var json = JsonSerializer.Serialize(settlement.Event, CoreJson.Default.UsageEvent);
        var db = _redis.GetDatabase();
        var announced = AnnounceInScript();
        var (keys, values) = SettleScript.Call([settlement], [json], _options.SettledMarkerTtl, announced);
        var result = (int)((RedisResult[])(await db.ScriptEvaluateAsync(SettleScript.Lua, keys, values))!)[0];
        if (result == SettleScript.Settled && !announced)
        {
            // Tells the flusher where to look; losing it is harmless (it also scans for outboxes).
            db.SetAdd(RedisKeys.OutboxAccounts, settlement.Event.Account, CommandFlags.FireAndForget);
        }

        return result == SettleScript.Settled;
    }

    /// <summary>
    /// Whether the settle script may announce the account itself: not under Redis Cluster, where the account set is in
    /// another slot. Decided once a server has answered; until then the announcement is a command of its own.
    /// </summary>
    private bool AnnounceInScript() => (_announceInScript ??= RedisTopology.IsStandalone(_redis)) ?? false;

    private void Done()
    {
        lock (_idleLock)
        {
            if (--_pending == 0)
            {
                _idle.TrySetResult();
            }
        }
    }

    public static bool IsRedisDown(Exception ex) => ex is RedisConnectionException or RedisTimeoutException or TimeoutException
        || (ex is RedisServerException server && server.Message.StartsWith("LOADING", StringComparison.Ordinal));

    private static TaskCompletionSource CompletedSource()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis unreachable at settlement; event {EventId} spooled: {Error}")]
    private partial void LogSpooled(string eventId, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Settlement of event {EventId} failed; spooled")]
    private partial void LogSettleFailed(Exception ex, string eventId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Replaying the usage spool failed; it is kept and retried")]
    private partial void LogReplayFailed(Exception ex);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed {Count} settlement(s) an earlier process left in the journal")]
    private partial void LogRecovered(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed {Count} spooled usage event(s)")]
    private partial void LogReplayed(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Skipped an unreadable spool line: {Line}")]
    private partial void LogCorruptSpoolLine(string line);
}
