using System.Threading.RateLimiting;
using MassRouter.Gateway.Auth;

namespace MassRouter.Gateway.Limits;

/// <summary>
/// The per-key RPM limit enforced in process alone, for fail-open admission while Redis is unreachable: each instance
/// allows the key's full RPM, so N instances may admit up to N times it until Redis returns.
/// </summary>
internal sealed class LocalFallbackLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<ApiKeyInfo> _limiter = PartitionedRateLimiter.Create<ApiKeyInfo, (string, long)>(key =>
        key.Rpm <= 0
            ? RateLimitPartition.GetNoLimiter((key.KeyId, 0L))
            : RateLimitPartition.GetTokenBucketLimiter(
                (key.KeyId, key.Rpm),
                partition => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = (int)Math.Min(partition.Item2, int.MaxValue),
                    TokensPerPeriod = (int)Math.Max(1, Math.Min(partition.Item2 / 60, int.MaxValue)),
                    ReplenishmentPeriod = partition.Item2 >= 60 ? TimeSpan.FromSeconds(1) : TimeSpan.FromMilliseconds(60_000.0 / partition.Item2),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));

    public bool TryAdmit(ApiKeyInfo key, out TimeSpan retryAfter)
    {
        using var lease = _limiter.AttemptAcquire(key);
        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
