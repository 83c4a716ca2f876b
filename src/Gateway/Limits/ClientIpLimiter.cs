using System.Net;
using System.Threading.RateLimiting;
using MassRouter.Gateway.Metering;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Limits;

/// <summary>
/// Per-client-IP budget for unauthenticated and failed-auth requests (a sliding window), so guessing keys or flooding
/// with bad ones is cut off locally, before Redis is asked.
/// </summary>
/// <remarks>
/// Over its budget an address still gets one key lookup a second (<see cref="LookupInterval"/>): a client with a valid
/// key this instance has not seen yet, behind the same address as a flood of bad keys (a shared NAT, an office), is
/// served within a second instead of being locked out for the whole window, while the flood is held to one Redis lookup
/// a second. Keys already known to the instance never count.
/// </remarks>
internal sealed class ClientIpLimiter : IDisposable
{
    /// <summary>How often an address over its budget may still have one unknown key looked up.</summary>
    public static readonly TimeSpan LookupInterval = TimeSpan.FromSeconds(1);

    private readonly PartitionedRateLimiter<IPAddress> _limiter;
    private readonly PartitionedRateLimiter<IPAddress> _lookups;

    public ClientIpLimiter(IOptions<MeteringOptions> options)
    {
        var limit = Math.Max(1, options.Value.UnauthenticatedRequestsPerMinute);
        _limiter = PartitionedRateLimiter.Create<IPAddress, IPAddress>(ip => RateLimitPartition.GetSlidingWindowLimiter(
            ip,
            _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = limit,
                Window = TimeSpan.FromMinutes(1),
                SegmentsPerWindow = 6,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
        _lookups = PartitionedRateLimiter.Create<IPAddress, IPAddress>(ip => RateLimitPartition.GetTokenBucketLimiter(
            ip,
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = 1,
                TokensPerPeriod = 1,
                ReplenishmentPeriod = LookupInterval,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>
    /// Counts one failed attempt; false when the address is over its budget (<paramref name="retryAfter"/>: when its next
    /// lookup is allowed).
    /// </summary>
    public bool TryCountFailure(HttpContext context, out TimeSpan retryAfter)
    {
        if (TryAcquire(_limiter, context, 1, out _))
        {
            retryAfter = TimeSpan.Zero;
            return true;
        }

        retryAfter = LookupInterval;
        return false;
    }

    /// <summary>
    /// True when the address has no budget left and has had its one lookup of this second (nothing is counted against
    /// the budget).
    /// </summary>
    public bool IsExhausted(HttpContext context, out TimeSpan retryAfter)
    {
        if (TryAcquire(_limiter, context, 0, out _))
        {
            retryAfter = TimeSpan.Zero;
            return false;
        }

        return !TryAcquire(_lookups, context, 1, out retryAfter);
    }

    public void Dispose()
    {
        _limiter.Dispose();
        _lookups.Dispose();
    }

    private static bool TryAcquire(PartitionedRateLimiter<IPAddress> limiter, HttpContext context, int permits, out TimeSpan retryAfter)
    {
        using var lease = limiter.AttemptAcquire(context.Connection.RemoteIpAddress ?? IPAddress.None, permits);
        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : LookupInterval;
        return lease.IsAcquired;
    }
}
