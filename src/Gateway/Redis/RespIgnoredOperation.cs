namespace MassRouter.Gateway.Redis;

/// <summary>A command whose answer nobody waits for (sent on the pipeline for its ordering, not its reply).</summary>
internal sealed class RespIgnoredOperation : RespOperation
{
    public override void OnReply(in RespReply reply)
    {
    }

    public override void OnFailure(Exception error)
    {
    }
}
