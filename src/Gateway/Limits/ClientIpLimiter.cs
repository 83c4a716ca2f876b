using System.Net;
using System.Threading.RateLimiting;
using MassRouter.Gateway.Metering;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Limits;

/// <summary>
/// Per-client-IP budget for unauthenticated and failed-auth requests (a sliding window), so guessing keys or flooding
/// with bad ones is cut off locally, before Redis is asked.
/// </summary>
internal sealed class ClientIpLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<IPAddress> _limiter;

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
    }

    /// <summary>Counts one failed attempt; false when the address is over its budget.</summary>
    public bool TryCountFailure(HttpContext context, out TimeSpan retryAfter) => TryAcquire(context, 1, out retryAfter);

    /// <summary>True when the address has no budget left (nothing is counted).</summary>
    public bool IsExhausted(HttpContext context, out TimeSpan retryAfter) => !TryAcquire(context, 0, out retryAfter);

    public void Dispose() => _limiter.Dispose();

    private bool TryAcquire(HttpContext context, int permits, out TimeSpan retryAfter)
    {
        using var lease = _limiter.AttemptAcquire(context.Connection.RemoteIpAddress ?? IPAddress.None, permits);
        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(10);
        return lease.IsAcquired;
    }
}
