using StackExchange.Redis;

namespace MassRouter.Gateway.Redis;

/// <summary>
/// A command in flight on a <see cref="RespPipeline"/>. Completed on the connection's reader, synchronously: whatever
/// runs in <see cref="OnReply"/> or <see cref="OnFailure"/> must not block, and should hand slow work (a file fsync) to
/// the thread pool.
/// </summary>
internal abstract class RespOperation
{
    internal RespScript? Script { get; set; }

    internal RedisKey[]? Keys { get; set; }

    internal RedisValue[]? Values { get; set; }

    /// <summary>
    /// Writes the script's keys, then its arguments (by default <see cref="Keys"/> and <see cref="Values"/>); a batch
    /// writes its items' straight into the command, without arrays.
    /// </summary>
    internal virtual void WriteArguments(RespArguments arguments)
    {
        foreach (var key in Keys!)
        {
            arguments.Key(key);
        }

        foreach (var value in Values!)
        {
            arguments.Value(value);
        }
    }

    /// <summary>True once the script was sent by text after a <c>NOSCRIPT</c>, so a second one is an error, not a loop.</summary>
    internal bool SentByText { get; set; }

    public abstract void OnReply(in RespReply reply);

    /// <summary>The command failed without a reply (connection lost, timed out): it may or may not have run.</summary>
    public abstract void OnFailure(Exception error);
}
