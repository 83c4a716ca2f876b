using StackExchange.Redis;

namespace MassRouter.Gateway.Caching;

/// <summary>
/// The cache in a Redis every instance shares (<see cref="ResponseCacheOptions.Redis"/>): one string per answer,
/// <c>mr:cache:&lt;key&gt;</c>, expiring with its time-to-live. A Redis that cannot answer is a miss, never an error.
/// </summary>
internal sealed partial class RedisResponseCache(IConnectionMultiplexer redis, ILogger<RedisResponseCache> logger) : IResponseCache
{
    /// <summary>The Redis key of an answer cached under <paramref name="key"/>.</summary>
    public static RedisKey KeyOf(string key) => "mr:cache:" + key;

    public async ValueTask<CachedResponse?> GetAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var blob = await redis.GetDatabase().StringGetAsync(KeyOf(key));
            return blob.IsNull ? null : CachedResponse.Deserialize((byte[])blob!);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogUnavailable(e.Message);
            return null;
        }
    }

    public void Store(string key, CachedResponse response, TimeSpan ttl)
    {
        try
        {
            _ = redis.GetDatabase().StringSetAsync(KeyOf(key), response.Serialize(), ttl, flags: CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Not cached this time: the next request asks the provider again.
            LogUnavailable(e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The response cache's Redis cannot be read: {Error}")]
    private partial void LogUnavailable(string error);
}
