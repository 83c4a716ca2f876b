namespace MassRouter.Gateway.Caching;

/// <summary>
/// The exact-match response cache (requests opt in with <see cref="ResponseCaching.TtlHeader"/>), bound from
/// <c>MassRouter:Cache</c>.
/// </summary>
public sealed class ResponseCacheOptions
{
    /// <summary>Off: the header is ignored (and stripped), nothing is cached.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The longest time-to-live a request may ask for; longer ones are shortened to it.</summary>
    public TimeSpan MaxTtl { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Answers larger than this (as the client received them) are not cached.</summary>
    public int MaxEntryBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// A Redis the instances share the cache in (StackExchange.Redis syntax), best a dedicated one with an eviction policy
    /// (<c>maxmemory-policy allkeys-lru</c>); empty: each instance caches in its own memory, up to
    /// <see cref="LocalMaxBytes"/>. Never the metering Redis, which must not evict.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>The in-process cache's size, in bytes of cached answers; past it the least recently used go.</summary>
    public long LocalMaxBytes { get; set; } = 64 * 1024 * 1024;
}
