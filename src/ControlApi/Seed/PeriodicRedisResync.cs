using MassRouter.ControlApi.Configuration;
using Microsoft.Extensions.Options;

namespace MassRouter.ControlApi.Seed;

/// <summary>
/// Repeats the start-up resync (<see cref="RedisResync"/>) on an interval: the database is the source of truth, and a
/// key revoked or a user suspended while Redis was unreachable must not stay usable until the next restart.
/// </summary>
internal sealed class PeriodicRedisResync(RedisResync resync, IOptions<ControlApiOptions> options, TimeProvider time, ILogger<PeriodicRedisResync> logger)
    : BackgroundService
{
    /// <summary>One resync; failures are logged and retried at the next interval.</summary>
    public async Task<bool> TickAsync()
    {
        try
        {
            var written = await resync.RunAsync();
            if (written > 0)
            {
                // Something reached the database but not Redis (or Redis lost it): worth knowing about.
                logger.LogInformation("Periodic Redis resync rewrote {Count} record(s) that differed from the database", written);
            }

            return true;
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException or System.Data.Common.DbException)
        {
            logger.LogWarning("Periodic Redis resync failed, retrying in {Interval}: {Error}", options.Value.RedisResyncInterval, ex.Message);
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.RedisResyncInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await TickAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
    }
}
