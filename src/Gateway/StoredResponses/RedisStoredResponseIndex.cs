using MassRouter.Core.Redis;
using StackExchange.Redis;

namespace MassRouter.Gateway.StoredResponses;

/// <summary>The index in Redis (<c>mr:stored:&lt;id&gt;</c>, see docs/redis-layout.md), shared by every gateway instance.</summary>
internal sealed class RedisStoredResponseIndex(IConnectionMultiplexer redis, ILogger<RedisStoredResponseIndex> logger) : IStoredResponseIndex
{
    public void Record(string responseId, StoredResponseHolder holder)
    {
        try
        {
            redis.GetDatabase().StringSet(RedisKeys.StoredObject(responseId), holder.Encode(), StoredResponseIndex.Retention, flags: CommandFlags.FireAndForget);
        }
        catch (RedisException e)
        {
            // Never the answer's problem: the response is only not routable by its id through the gateway.
            logger.LogWarning("Stored response {ResponseId} not recorded: {Message}", responseId, e.Message);
        }
    }

    public async ValueTask<StoredResponseHolder?> FindAsync(string responseId, CancellationToken cancellationToken)
    {
        var value = await redis.GetDatabase().StringGetAsync(RedisKeys.StoredObject(responseId)).WaitAsync(cancellationToken);
        return StoredResponseHolder.Decode(value);
    }

    public void Forget(string responseId)
    {
        try
        {
            redis.GetDatabase().KeyDelete(RedisKeys.StoredObject(responseId), CommandFlags.FireAndForget);
        }
        catch (RedisException e)
        {
            // The provider deleted it: what is left here expires with the retention, and a retrieval gets the provider's 404.
            logger.LogWarning("Deleted response {ResponseId} not forgotten: {Message}", responseId, e.Message);
        }
    }
}
