using StackExchange.Redis;

namespace MassRouter.Gateway.Redis;

/// <summary>Whether the multiplexer talks to Redis Cluster, as far as it knows yet.</summary>
internal static class RedisTopology
{
    /// <summary>True for a standalone server, false under Cluster, null until the multiplexer has met a server.</summary>
    public static bool? IsStandalone(IConnectionMultiplexer redis)
    {
        var servers = redis.GetEndPoints().Select(endpoint => redis.GetServer(endpoint)).Where(server => server.IsConnected).ToList();
        return servers.Count == 0 ? null : servers.All(server => server.ServerType != ServerType.Cluster);
    }
}
