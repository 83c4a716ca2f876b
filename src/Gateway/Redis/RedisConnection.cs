using StackExchange.Redis;

namespace MassRouter.Gateway.Redis;

/// <summary>Connects to Redis the way the data plane needs it: never blocking start-up, failing fast while down.</summary>
internal static class RedisConnection
{
    public static IConnectionMultiplexer Connect(string connectionString, TimeSpan timeout)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;

        // While disconnected, commands fail at once instead of queueing: admission applies its failure policy and
        // settlement spools, rather than requests hanging on a backlog.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.AsyncTimeout = (int)timeout.TotalMilliseconds;
        options.SyncTimeout = (int)timeout.TotalMilliseconds;
        options.ConnectTimeout = Math.Max(options.ConnectTimeout > 0 ? Math.Min(options.ConnectTimeout, 5000) : 5000, (int)timeout.TotalMilliseconds);
        options.ReconnectRetryPolicy = new LinearRetry(250);
        options.ClientName = "massrouter-gateway";
        return ConnectionMultiplexer.Connect(options);
    }
}
