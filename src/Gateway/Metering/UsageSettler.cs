using System.Text.Json;
using System.Threading.Channels;
using MassRouter.Core.Redis;
using MassRouter.Core.Usage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// Settles usage off the request path: the handler enqueues after the response is complete, background workers run
/// <see cref="SettleScript"/> (one round trip each), and events that cannot reach Redis go to the <see cref="UsageSpool"/>,
/// replayed when Redis answers again. Stopping drains the queue first.
/// </summary>
internal sealed partial class UsageSettler : BackgroundService
{
    private const int Workers = 4;

    private readonly Channel<Settlement> _queue = Channel.CreateUnbounded<Settlement>(new UnboundedChannelOptions { SingleReader = false });
    private readonly IConnectionMultiplexer _redis;
    private readonly UsageSpool _spool;
    private readonly MeteringOptions _options;
    private readonly ILogger<UsageSettler> _logger;
    private readonly MeteringMetrics _metrics;
    private readonly Lock _idleLock = new();
    private readonly SemaphoreSlim _replayGate = new(1, 1);
    private TaskCompletionSource _idle = CompletedSource();
    private int _pending;

    public UsageSettler(IConnectionMultiplexer redis, IOptions<MeteringOptions> options, IHostEnvironment environment, MeteringMetrics metrics, ILogger<UsageSettler> logger)
    {
        _redis = redis;
        _metrics = metrics;
        _options = options.Value;
        _logger = logger;
        _spool = new UsageSpool(Path.IsPathRooted(_options.SpoolPath) ? _options.SpoolPath : Path.Combine(environment.ContentRootPath, _options.SpoolPath));
    }

    public UsageSpool Spool => _spool;

    /// <summary>Queues a settlement; never blocks.</summary>
    public void Enqueue(Settlement settlement)
    {
        lock (_idleLock)
        {
            if (_pending++ == 0)
            {
                _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        if (!_queue.Writer.TryWrite(settlement))
        {
            // Shutting down: the queue is closed, the spool still takes it.
            _spool.Append(settlement);
            Done();
        }
    }

    /// <summary>Drops the in-flight record of a request that turned out to have nothing to bill (fire and forget).</summary>
    public void Release(string account, string eventId)
    {
        try
        {
            _redis.GetDatabase().HashDelete(RedisKeys.Inflight(account), eventId, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (IsRedisDown(ex))
        {
            // Left for the abandoned-request sweep, which would charge the prompt estimate: rare, and on the safe side.
        }
    }

    /// <summary>
    /// Settles every request admitted more than <see cref="MeteringOptions.AbandonedAfter"/> ago that no gateway
    /// settled (its gateway died mid-request), charging the prompt estimate recorded at admission. Safe to run on every
    /// instance at once: the settle script's marker lets each event through once. Returns how many it settled.
    /// </summary>
    public async Task<int> SweepAbandonedAsync()
    {
        var cutoff = DateTimeOffset.UtcNow.Subtract(_options.AbandonedAfter).ToUnixTimeMilliseconds();
        var db = _redis.GetDatabase();
        var swept = 0;
        foreach (var endpoint in _redis.GetEndPoints())
        {
            var server = _redis.GetServer(endpoint);
            if (!server.IsConnected || server.IsReplica)
            {
                continue;
            }

            await foreach (var key in server.KeysAsync(pattern: RedisKeys.InflightPattern, pageSize: 250))
            {
                foreach (var entry in await db.HashGetAllAsync(key))
                {
                    var settlement = ReadSettlement(entry.Value);
                    if (settlement is null)
                    {
                        await db.HashDeleteAsync(key, entry.Name);
                    }
                    else if (settlement.Event.StartedAt < cutoff)
                    {
                        await SettleAsync(settlement);
                        swept++;
                    }
                }
            }
        }

        if (swept > 0)
        {
            LogSwept(swept);
        }

        return swept;
    }

    /// <summary>Completes when every queued settlement has been settled or spooled.</summary>
    public Task WhenIdleAsync()
    {
        lock (_idleLock)
        {
            return _idle.Task;
        }
    }

    /// <summary>Replays the spool now; false when Redis is still unreachable.</summary>
    public async Task<bool> ReplaySpoolAsync()
    {
        await _replayGate.WaitAsync();
        try
        {
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
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var workers = new Task[Workers + 1];
        for (var i = 0; i < Workers; i++)
        {
            workers[i] = Task.Run(WorkAsync, CancellationToken.None);
        }

        workers[Workers] = ReplayLoopAsync(stoppingToken);
        await Task.WhenAll([.. workers, SweepLoopAsync(stoppingToken)]);
    }

    private async Task WorkAsync()
    {
        await foreach (var settlement in _queue.Reader.ReadAllAsync())
        {
            try
            {
                await SettleAsync(settlement);
            }
            catch (Exception ex) when (IsRedisDown(ex))
            {
                // The script may or may not have run (a timeout): the replay is idempotent either way.
                _spool.Append(settlement);
                _metrics.Spooled();
                LogSpooled(settlement.Event.Id, ex.Message);
            }
            catch (Exception ex)
            {
                _spool.Append(settlement);
                _metrics.Spooled();
                LogSettleFailed(ex, settlement.Event.Id);
            }
            finally
            {
                Done();
            }
        }
    }

    private async Task ReplayLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.SpoolReplayInterval);
        try
        {
            do
            {
                if (_spool.HasEntries && _redis.IsConnected)
                {
                    await ReplaySpoolAsync();
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: whatever is left stays spooled for the next start.
        }
    }

    private async Task SweepLoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.AbandonedSweepInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await SweepAbandonedAsync();
                }
                catch (Exception ex) when (IsRedisDown(ex))
                {
                    // Next tick.
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private static Settlement? ReadSettlement(RedisValue json)
    {
        try
        {
            return JsonSerializer.Deserialize((string?)json ?? "", MeteringJson.Default.Settlement);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task SettleAsync(Settlement settlement)
    {
        var json = JsonSerializer.Serialize(settlement.Event, CoreJson.Default.UsageEvent);
        var db = _redis.GetDatabase();
        var result = (int)await db.ScriptEvaluateAsync(SettleScript.Lua, SettleScript.Keys(settlement), SettleScript.Values(settlement, json, _options.SettledMarkerTtl));
        if (result == SettleScript.Settled)
        {
            // Tells the flusher where to look; losing it is harmless (it also scans for outboxes).
            db.SetAdd(RedisKeys.OutboxAccounts, settlement.Event.Account, CommandFlags.FireAndForget);
            _metrics.Settled(settlement.Event.Model, settlement.Event.CostNanos);
        }
        else
        {
            _metrics.Duplicate();
        }
    }

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

    private static bool IsRedisDown(Exception ex) => ex is RedisConnectionException or RedisTimeoutException or TimeoutException
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Charged {Count} abandoned request(s) (their gateway never settled them)")]
    private partial void LogSwept(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed {Count} spooled usage event(s)")]
    private partial void LogReplayed(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Skipped an unreadable spool line: {Line}")]
    private partial void LogCorruptSpoolLine(string line);
}
