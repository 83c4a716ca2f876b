using System.Diagnostics;
using System.Text.Json;
using MassRouter.Core.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// Settles in-flight records no gateway will settle, with the settle script (so each event is charged once however many
/// instances sweep, and a late settlement by a gateway that was only slow is a no-op):
/// <list type="bullet">
/// <item>promptly, the records of dead instances: every <see cref="MeteringOptions.DeadGatewaySweepInterval"/> each
/// live instance checks the heartbeats of the registered ones (<see cref="RedisKeys.Gateways"/>); one whose heartbeat has
/// been missing for a whole <see cref="MeteringOptions.HeartbeatTtl"/> of this instance's own observation (so a Redis
/// outage that let every heartbeat expire is not mistaken for deaths) is claimed, its records settled, and it is removed;</item>
/// <item>as a backstop, any record without a sign of life (admission or progress) for <see cref="MeteringOptions.AbandonedAfter"/>.</item>
/// </list>
/// A record holds the prompt estimate and the output delivered so far, so a request killed mid-stream is billed both, as
/// <c>aborted</c> and <c>estimated</c>. The sweeps start after the settler's first replay of the journal and spool, so a
/// restarted gateway's real settlements go first.
/// </summary>
internal sealed partial class AbandonedSweeper(
    IConnectionMultiplexer redis,
    UsageSettler settler,
    GatewayInstance instance,
    IOptions<MeteringOptions> options,
    TimeProvider time,
    ILogger<AbandonedSweeper> logger) : BackgroundService
{
    /// <summary>How long a claim on a dead instance lasts: should its sweeper die too, another takes over after it.</summary>
    private static readonly TimeSpan ClaimTtl = TimeSpan.FromMinutes(1);

    private readonly MeteringOptions _options = options.Value;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, long> _missingSince = new(StringComparer.Ordinal);

    /// <summary>Settles the in-flight records of instances found dead (see the class remarks); returns how many it settled.</summary>
    public async Task<int> SweepDeadGatewaysAsync()
    {
        await _gate.WaitAsync();
        try
        {
            var db = redis.GetDatabase();
            var registered = await db.SetMembersAsync(RedisKeys.Gateways);
            var now = Stopwatch.GetTimestamp();
            var others = new HashSet<string>(StringComparer.Ordinal);
            var dead = new HashSet<string>(StringComparer.Ordinal);
            foreach (var member in registered)
            {
                var id = member.ToString();
                if (id == instance.Id || !others.Add(id))
                {
                    continue;
                }

                if (await db.KeyExistsAsync(RedisKeys.GatewayAlive(id)))
                {
                    _missingSince.Remove(id);
                }
                else if (!_missingSince.TryAdd(id, now)
                    && Stopwatch.GetElapsedTime(_missingSince[id], now) >= _options.HeartbeatTtl
                    && await db.StringSetAsync(RedisKeys.GatewaySweep(id), instance.Id, ClaimTtl, When.NotExists))
                {
                    dead.Add(id);
                }
            }

            foreach (var id in _missingSince.Keys.Where(id => !others.Contains(id)).ToList())
            {
                _missingSince.Remove(id);
            }

            if (dead.Count == 0)
            {
                return 0;
            }

            var swept = await SweepAsync(s => s.Instance is { } owner && dead.Contains(owner));
            foreach (var id in dead)
            {
                await db.SetRemoveAsync(RedisKeys.Gateways, id);
                _missingSince.Remove(id);
                LogDeadInstance(id);
            }

            if (swept > 0)
            {
                LogSwept(swept);
            }

            return swept;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Settles every record with no sign of life for <see cref="MeteringOptions.AbandonedAfter"/>, whatever its
    /// instance (the backstop: a record of an instance that never registered, or written before instance ids existed).
    /// </summary>
    public async Task<int> SweepAbandonedAsync()
    {
        var cutoff = time.GetUtcNow().Subtract(_options.AbandonedAfter).ToUnixTimeMilliseconds();
        var swept = await SweepAsync(s => s.Event.EndedAt < cutoff);
        if (swept > 0)
        {
            LogSwept(swept);
        }

        return swept;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await settler.Recovered.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        await Task.WhenAll(
            LoopAsync(_options.DeadGatewaySweepInterval, SweepDeadGatewaysAsync, stoppingToken),
            LoopAsync(_options.AbandonedSweepInterval, SweepAbandonedAsync, stoppingToken));
    }

    private static async Task LoopAsync(TimeSpan interval, Func<Task<int>> sweep, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await sweep();
                }
                catch (Exception ex) when (UsageSettler.IsRedisDown(ex))
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

    /// <summary>Scans every account's in-flight hash and settles the records <paramref name="abandoned"/> selects.</summary>
    private async Task<int> SweepAsync(Func<Settlement, bool> abandoned)
    {
        var db = redis.GetDatabase();
        var swept = 0;
        foreach (var endpoint in redis.GetEndPoints())
        {
            var server = redis.GetServer(endpoint);
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
                    else if (abandoned(settlement))
                    {
                        await settler.SettleAsync(settlement with { Claim = SettlementClaim.Sweep });
                        swept++;
                    }
                }
            }
        }

        return swept;
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway instance {Instance} is gone (no heartbeat); settling its in-flight requests")]
    private partial void LogDeadInstance(string instance);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Charged {Count} abandoned request(s) (their gateway never settled them)")]
    private partial void LogSwept(int count);
}
