using System.Text.Json;
using MassRouter.ControlApi.Configuration;
using MassRouter.Core.Redis;
using MassRouter.Core.Usage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MassRouter.ControlApi.Ledger;

/// <summary>
/// Moves usage events from the Redis outboxes into the ledger exactly once (docs/redis-layout.md): per account,
/// <c>LMOVE</c> a batch to the in-flight list, insert it with <c>ON CONFLICT (event_id) DO NOTHING</c> in one
/// transaction, then delete the in-flight list. A crash between insert and delete leaves the batch in flight; it is
/// inserted again (a no-op) and cleared on the next pass, so nothing is lost or counted twice. One flusher runs at a
/// time, holding <c>mr:flusher:lock</c>. No batch starts for an account while reconciliation has paused it
/// (<see cref="LedgerKeys.Pause"/>).
/// </summary>
internal sealed partial class LedgerFlusher(
    IConnectionMultiplexer redis, LedgerRepository ledger, IOptions<ControlApiOptions> options, LedgerMetrics metrics, TimeProvider time, ILogger<LedgerFlusher> logger)
    : BackgroundService, IHostedLifecycleService
{
    private const string InflightPattern = "mr:{a:*}:outbox:inflight";
    private readonly string _lockToken = Environment.MachineName + ":" + Guid.NewGuid().ToString("N");
    private bool _recovered;

    /// <summary>Test seam: runs after a batch is committed and before its in-flight list is cleared.</summary>
    internal Func<string, Task>? AfterInsert { get; set; }

    private LedgerOptions Settings => options.Value.Ledger;

    private IDatabase Db => redis.GetDatabase();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Settings.Enabled)
        {
            return;
        }

        var nextScan = time.GetTimestamp();
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var flushed = 0;
            try
            {
                if (await HoldLockAsync())
                {
                    var scan = time.GetTimestamp() >= nextScan;
                    if (scan)
                    {
                        nextScan = time.GetTimestamp() + (long)(Settings.ScanInterval.TotalSeconds * time.TimestampFrequency);
                    }

                    flushed = await FlushPassAsync(scan, stoppingToken);
                }

                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Whatever failed (database or Redis down, a bug), the flusher must outlive it: a dead flusher lets
                // usage pile up in Redis unnoticed. Nothing is lost; the pass is retried with backoff.
                failures++;
                metrics.Failed();
                LogPassFailed(ex);
            }

            if (flushed == 0 || failures > 0)
            {
                var delay = failures == 0 ? Settings.PollInterval : TimeSpan.FromMilliseconds(Math.Min(30_000, Settings.PollInterval.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 16))));
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        try
        {
            await Db.LockReleaseAsync(RedisKeys.FlusherLock, _lockToken);
        }
        catch (RedisException)
        {
            // The lock expires on its own.
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The last passes (<see cref="LedgerOptions.FlushOnStop"/>): after every hosted service has stopped, so what a
    /// gateway in this process settled while it drained is in the outboxes; until they are empty or the host's shutdown
    /// timeout runs out. Another flusher holding the lock will flush them instead.
    /// </summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        if (!Settings.Enabled || !Settings.FlushOnStop)
        {
            return;
        }

        try
        {
            if (!await HoldLockAsync())
            {
                return;
            }

            var flushed = 0;
            int moved;
            while ((moved = await FlushPassAsync(scan: !_recovered, cancellationToken)) > 0)
            {
                flushed += moved;
            }

            await Db.LockReleaseAsync(RedisKeys.FlusherLock, _lockToken);
            LogFlushedOnStop(flushed);
        }
        catch (Exception ex)
        {
            // Failed or cut short by the shutdown timeout: what is left stays in Redis for the next flusher (lost only
            // with an embedded Garnet), so say so.
            LogStopPassFailed(ex);
        }
    }

    /// <summary>Takes or renews <c>mr:flusher:lock</c>; false while another flusher holds it.</summary>
    internal async Task<bool> HoldLockAsync() =>
        await Db.LockExtendAsync(RedisKeys.FlusherLock, _lockToken, Settings.LockTtl)
        || await Db.LockTakeAsync(RedisKeys.FlusherLock, _lockToken, Settings.LockTtl);

    /// <summary>
    /// One pass over every account with pending events; the first pass after start also re-processes every in-flight
    /// list left by a crashed flusher. Returns the number of events taken from the outboxes.
    /// </summary>
    internal async Task<int> FlushPassAsync(bool scan, CancellationToken cancellationToken)
    {
        var accounts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in await Db.SetMembersAsync(RedisKeys.OutboxAccounts))
        {
            accounts.Add(member.ToString());
        }

        // In-flight lists are found by SCAN after a restart and periodically (a failed pass may leave one behind);
        // outboxes too, in case a gateway's SADD was lost.
        if (scan || !_recovered)
        {
            await foreach (var key in ScanAsync(InflightPattern))
            {
                if (AccountOfInflight(key) is { } account)
                {
                    accounts.Add(account);
                }
            }

            await foreach (var key in ScanAsync(RedisKeys.OutboxPattern))
            {
                if (RedisKeys.AccountOfOutbox(key) is { } account)
                {
                    accounts.Add(account);
                }
            }
        }

        await MeasureDepthAsync(accounts);
        var total = 0;
        foreach (var account in accounts)
        {
            // Removed before draining: an event pushed (and SADDed) after this is either drained now or found next pass.
            await Db.SetRemoveAsync(RedisKeys.OutboxAccounts, account);
            try
            {
                total += await DrainAsync(account, cancellationToken);
            }
            catch
            {
                // Put it back so the next pass retries it without waiting for a SCAN.
                await Db.SetAddAsync(RedisKeys.OutboxAccounts, account);
                throw;
            }

            // Renewed while it runs: a long pass must not let a second flusher start.
            if (!await HoldLockAsync())
            {
                break;
            }
        }

        _recovered = true;
        return total;
    }

    /// <summary>Flushes one account's in-flight list (if a crash left one) and then its outbox, batch by batch.</summary>
    internal async Task<int> DrainAsync(string account, CancellationToken cancellationToken)
    {
        var outbox = RedisKeys.Outbox(account);
        var inflight = RedisKeys.OutboxInflight(account);
        var batchSize = Settings.BatchSize;
        var total = 0;
        while (true)
        {
            var batch = await Db.ListRangeAsync(inflight);
            if (batch.Length == 0)
            {
                var waiting = await Db.ListLengthAsync(outbox);
                if (waiting == 0)
                {
                    return total;
                }

                // One LMOVE per event in one transaction (one round trip), conditional on the account not being
                // paused: reconciliation either sees this batch in flight or no batch at all.
                var transaction = Db.CreateTransaction();
                transaction.AddCondition(Condition.KeyNotExists(LedgerKeys.Pause(account)));
                for (var i = 0; i < (int)Math.Min(waiting, batchSize); i++)
                {
                    _ = transaction.ListMoveAsync(outbox, inflight, ListSide.Left, ListSide.Right);
                }

                if (!await transaction.ExecuteAsync())
                {
                    // Reconciliation is reading this account; come back to it on the next pass.
                    await Db.SetAddAsync(RedisKeys.OutboxAccounts, account);
                    return total;
                }

                batch = await Db.ListRangeAsync(inflight);
                if (batch.Length == 0)
                {
                    return total;
                }
            }

            await WriteAsync(account, batch, cancellationToken);
            if (AfterInsert is { } hook)
            {
                await hook(account);
            }

            await Db.KeyDeleteAsync(inflight);
            total += batch.Length;
        }
    }

    private async Task WriteAsync(string account, RedisValue[] batch, CancellationToken cancellationToken)
    {
        var events = new List<UsageEvent>(batch.Length);
        var rejected = 0;
        foreach (var value in batch)
        {
            var usage = Parse(value);
            if (usage is null)
            {
                // Kept aside rather than retried forever: a malformed event can never be inserted.
                rejected++;
                await Db.ListRightPushAsync(LedgerKeys.DeadLetters(account), value);
                LogRejected(account);
                continue;
            }

            events.Add(usage);
        }

        var inserted = events.Count == 0 ? 0 : await ledger.InsertAsync(events, cancellationToken);
        metrics.Flushed(inserted, events.Count - inserted, rejected);
        if (events.Count > 0)
        {
            metrics.Lag(TimeSpan.FromMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds() - events.Min(e => e.EndedAt)));
        }
    }

    private static UsageEvent? Parse(RedisValue value)
    {
        try
        {
            var usage = JsonSerializer.Deserialize((byte[])value!, CoreJson.Default.UsageEvent);
            return usage is { Id.Length: > 0 } ? usage : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task MeasureDepthAsync(IReadOnlyCollection<string> accounts)
    {
        var pipeline = Db.CreateBatch();
        var lengths = accounts.SelectMany(a => new[] { pipeline.ListLengthAsync(RedisKeys.Outbox(a)), pipeline.ListLengthAsync(RedisKeys.OutboxInflight(a)) }).ToList();
        pipeline.Execute();
        await Task.WhenAll(lengths);
        metrics.OutboxDepth(lengths.Sum(l => l.Result));
    }

    private async IAsyncEnumerable<string> ScanAsync(string pattern)
    {
        foreach (var endpoint in redis.GetEndPoints())
        {
            var server = redis.GetServer(endpoint);
            if (!server.IsConnected || server.IsReplica)
            {
                continue;
            }

            await foreach (var key in server.KeysAsync(pattern: pattern, pageSize: 500))
            {
                yield return key.ToString();
            }
        }
    }

    internal static string? AccountOfInflight(string key)
    {
        const string Prefix = "mr:{a:";
        const string Suffix = "}:outbox:inflight";
        return key.StartsWith(Prefix, StringComparison.Ordinal) && key.EndsWith(Suffix, StringComparison.Ordinal) ? key[Prefix.Length..^Suffix.Length] : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ledger flush pass failed; it will be retried")]
    private partial void LogPassFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "A malformed usage event of account {Account} was moved to its dead-letter list")]
    private partial void LogRejected(string account);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ledger flushed on stop: {Events} usage events")]
    private partial void LogFlushedOnStop(int events);

    [LoggerMessage(Level = LogLevel.Error, Message = "The ledger's last flush on stop failed: usage events left in Redis wait for the next flusher")]
    private partial void LogStopPassFailed(Exception exception);
}
