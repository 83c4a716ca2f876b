using System.Threading.RateLimiting;
using MassRouter.Gateway.Auth;

namespace MassRouter.Gateway.Limits;

/// <summary>
/// In-process cap on concurrent requests per key (the key record's <c>max_concurrency</c>; per gateway instance).
/// The limit is part of the partition, so a changed limit takes effect with the reloaded key.
/// </summary>
internal sealed class KeyConcurrencyLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<ApiKeyInfo> _limiter = PartitionedRateLimiter.Create<ApiKeyInfo, (string, int)>(key =>
        RateLimitPartition.GetConcurrencyLimiter(
            (key.KeyId, key.MaxConcurrency),
            partition => new ConcurrencyLimiterOptions { PermitLimit = partition.Item2, QueueLimit = 0 }));

    /// <summary>False when the key is at its limit; otherwise <paramref name="lease"/> (null when unlimited) is held for the request.</summary>
    public bool TryEnter(ApiKeyInfo key, out RateLimitLease? lease)
    {
        lease = null;
        if (key.MaxConcurrency <= 0)
        {
            return true;
        }

        var acquired = _limiter.AttemptAcquire(key);
        if (acquired.IsAcquired)
        {
            lease = acquired;
            return true;
        }

        acquired.Dispose();
        return false;
    }

    public void Dispose() => _limiter.Dispose();
}
