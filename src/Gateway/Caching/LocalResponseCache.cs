using Microsoft.Extensions.Caching.Memory;

namespace MassRouter.Gateway.Caching;

/// <summary>
/// The cache in the process: each instance its own, bounded by the bytes of the answers it holds (the least recently
/// used go first once full). Made at the first answer kept: a gateway whose clients never ask for the cache does not
/// even load the memory cache's assemblies (idle RSS is a goal of its own).
/// </summary>
internal sealed class LocalResponseCache(long maxBytes) : IResponseCache, IDisposable
{
    private Entries? _entries;

    public ValueTask<CachedResponse?> GetAsync(string key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Volatile.Read(ref _entries)?.Get(key));

    public void Store(string key, CachedResponse response, TimeSpan ttl)
    {
        var entries = Volatile.Read(ref _entries);
        if (entries is null)
        {
            var made = new Entries(maxBytes);
            entries = Interlocked.CompareExchange(ref _entries, made, null) ?? made;
            if (!ReferenceEquals(entries, made))
            {
                made.Dispose();
            }
        }

        entries.Set(key, response, ttl);
    }

    public void Dispose() => _entries?.Dispose();

    /// <summary>The memory cache itself, in a type of its own so that it is loaded only when made.</summary>
    private sealed class Entries(long maxBytes) : IDisposable
    {
        private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = maxBytes, CompactionPercentage = 0.25 });

        public CachedResponse? Get(string key) => _cache.TryGetValue(key, out CachedResponse? found) ? found : null;

        public void Set(string key, CachedResponse response, TimeSpan ttl) =>
            _cache.Set(key, response, new MemoryCacheEntryOptions { Size = response.Body.Length + 256, AbsoluteExpirationRelativeToNow = ttl });

        public void Dispose() => _cache.Dispose();
    }
}
