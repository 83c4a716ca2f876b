namespace MassRouter.Gateway.Redis;

/// <summary>
/// An awaitable <see cref="RespOperation"/>. Its continuation runs synchronously on the connection's reader (with inline
/// socket completions, the I/O thread that received the reply): the awaiting request goes on without a thread hop.
/// </summary>
internal sealed class RespTaskOperation : RespOperation
{
    // No RunContinuationsAsynchronously, on purpose: the awaiter continues where the reply was read.
    private readonly TaskCompletionSource<RespReply> _completion = new();

    public Task<RespReply> Task => _completion.Task;

    public override void OnReply(in RespReply reply)
    {
        if (reply.IsError)
        {
            _completion.TrySetException(RespErrors.Server(reply.Text ?? "ERR"));
        }
        else
        {
            _completion.TrySetResult(reply);
        }
    }

    public override void OnFailure(Exception error) => _completion.TrySetException(error);
}
