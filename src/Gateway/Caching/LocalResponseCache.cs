using Microsoft.Extensions.Caching.Memory;

namespace MassRouter.Gateway.Caching;

/// <summary>
/// The cache in the process: each instance its own, bounded by the bytes of the answers it holds (the least recently
/// used go first once full).
/// </summary>
internal sealed class LocalResponseCache(long maxBytes) : IResponseCache, IDisposable
{
    private readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = maxBytes, CompactionPercentage = 0.25 });

    public ValueTask<CachedResponse?> GetAsync(string key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_entries.TryGetValue(key, out CachedResponse? found) ? found : null);

    public void Store(string key, CachedResponse response, TimeSpan ttl) =>
        _entries.Set(key, response, new MemoryCacheEntryOptions { Size = response.Body.Length + 256, AbsoluteExpirationRelativeToNow = ttl });

    public void Dispose() => _entries.Dispose();
}
