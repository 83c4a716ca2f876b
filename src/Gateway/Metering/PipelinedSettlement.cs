using MassRouter.Gateway.Redis;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// A settlement sent on the request-path pipeline: its answer is handled on the I/O thread that read it (count it,
/// reclaim its journal entry); a failure goes to the thread pool, where the spool's fsync may block.
/// </summary>
internal sealed class PipelinedSettlement(UsageSettler settler, Settlement settlement, JournalSegment? entry) : RespOperation
{
    public override void OnReply(in RespReply reply)
    {
        if (reply.IsError)
        {
            OnFailure(RespErrors.Server(reply.Text ?? "ERR"));
            return;
        }

        settler.Settled(settlement, reply.Integer == SettleScript.Settled, entry);
    }

    public override void OnFailure(Exception error) =>
        ThreadPool.UnsafeQueueUserWorkItem(static state => state.settler.SpoolFailed(state.settlement, state.entry, state.error), (settler, settlement, entry, error), preferLocal: false);
}
