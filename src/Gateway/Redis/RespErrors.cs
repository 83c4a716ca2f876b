using StackExchange.Redis;

namespace MassRouter.Gateway.Redis;

/// <summary>The exceptions <see cref="RespPipeline"/> raises: StackExchange.Redis's own, so callers keep one failure path.</summary>
internal static class RespErrors
{
    public static RedisConnectionException ConnectionLost(string message, Exception? inner = null, ConnectionFailureType type = ConnectionFailureType.SocketFailure) =>
        new(type, CommandFlags.None, message, inner, CommandStatus.Unknown);

    public static RedisTimeoutException Timeout(string message) => new(CommandFlags.None, message, CommandStatus.Sent);

    public static RedisServerException Server(string message) =>
        new(message.StartsWith("LOADING", StringComparison.Ordinal) ? RedisErrorKind.Loading : RedisErrorKind.Unknown, CommandFlags.None, message);
}
