namespace MassRouter.Gateway.Caching;

/// <summary>Where cached answers live: the process (<see cref="LocalResponseCache"/>) or a shared Redis (<see cref="RedisResponseCache"/>).</summary>
internal interface IResponseCache
{
    /// <summary>The answer cached under <paramref name="key"/>; null when there is none (or the store cannot say).</summary>
    ValueTask<CachedResponse?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Caches <paramref name="response"/> under <paramref name="key"/> for <paramref name="ttl"/>, in the background.</summary>
    void Store(string key, CachedResponse response, TimeSpan ttl);
}
