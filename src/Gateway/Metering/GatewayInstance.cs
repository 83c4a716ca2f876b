using System.Globalization;
using MassRouter.Core.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// This gateway process as the other instances see it: a random id, recorded in every in-flight record it writes, and a
/// heartbeat key with a short TTL (<see cref="MeteringOptions.HeartbeatTtl"/>) refreshed every
/// <see cref="MeteringOptions.HeartbeatInterval"/>. When the heartbeat is gone the process is taken for dead and the
/// <see cref="AbandonedSweeper"/> of a live instance settles its requests.
/// </summary>
internal sealed partial class GatewayInstance(
    IConnectionMultiplexer redis,
    UsageSettler settler,
    IOptions<MeteringOptions> options,
    TimeProvider time,
    ILogger<GatewayInstance> logger) : BackgroundService
{
    private readonly MeteringOptions _options = options.Value;

    /// <summary>Random per process: a restarted gateway is a new instance (its predecessor's requests are swept or replayed).</summary>
    public string Id { get; } = NewId();

    /// <summary>Refreshes the heartbeat now; throws when Redis cannot be reached.</summary>
    public async Task BeatAsync()
    {
        var db = redis.GetDatabase();
        var alive = db.StringSetAsync(RedisKeys.GatewayAlive(Id), time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), _options.HeartbeatTtl);

        // Again with every beat: a sweeper that took this instance for dead (a long pause) removed it.
        var registered = db.SetAddAsync(RedisKeys.Gateways, Id);
        await Task.WhenAll(alive, registered);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);

        // Stopped after the settler drained. With nothing left unsettled, leaving at once spares the others a sweep;
        // with a spool still waiting for Redis, the heartbeat is left to expire (the spool's real usage, replayed on the
        // next start within the TTL, wins over the sweep's estimate).
        if (settler.HasUnsettled)
        {
            return;
        }

        try
        {
            var db = redis.GetDatabase();
            await Task.WhenAll(db.KeyDeleteAsync(RedisKeys.GatewayAlive(Id)), db.SetRemoveAsync(RedisKeys.Gateways, Id)).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (UsageSettler.IsRedisDown(ex) || ex is OperationCanceledException)
        {
            // The heartbeat expires on its own.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval);
        try
        {
            do
            {
                try
                {
                    await BeatAsync();
                }
                catch (Exception ex) when (UsageSettler.IsRedisDown(ex))
                {
                    LogBeatFailed(ex.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    // 16 hex digits of random bytes of a Guid.NewGuid (0-5 and 9-10: neither version nor variant bits; the kernel's CSPRNG
    // on Linux) rather than RandomNumberGenerator, which maps OpenSSL into the process.
    private static string NewId()
    {
        Span<byte> random = stackalloc byte[16];
        Guid.NewGuid().TryWriteBytes(random);
        return Convert.ToHexStringLower(random[..6]) + Convert.ToHexStringLower(random[9..11]);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Heartbeat not written (Redis unreachable): {Error}")]
    private partial void LogBeatFailed(string error);
}
