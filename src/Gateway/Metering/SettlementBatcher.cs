using MassRouter.Gateway.Limits;
using MassRouter.Gateway.Redis;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// Settlements on the request-path pipeline, batched (see <see cref="RespBatcher{TItem}"/>): one call in flight, and
/// what completes meanwhile goes in the next, so a wave of responses finishing together costs Redis one script call and
/// one write per counter. Nobody waits on a settlement (it is journalled before it is submitted), so a batch can also
/// linger up to <see cref="MeteringOptions.SettlementLinger"/> for company: a steady load then costs Redis a call per
/// linger, not a call per request. Answers are handled on the I/O thread that read them (count, reclaim the journal entries);
/// a failure goes to the thread pool, where the spool's fsync may block.
/// </summary>
internal sealed class SettlementBatcher(RespPipeline pipeline, UsageSettler settler, TimeSpan markerTtl, TimeSpan linger)
    : RespBatcher<SettlementBatcher.Item>("settlement", pipeline, SettleScript.Script, maxInFlight: 1, maxBatch: 32, linger)
{
    // The pipeline is used only with a standalone server, where the script announces the accounts itself.
    protected override void Write(List<Item> batch, RespArguments arguments) =>
        SettleScript.Write(
            arguments,
            batch.Count,
            batch,
            static (items, i) => (items[i].Settlement, items[i].Names),
            static (items, i, output) => items[i].EventJson.WriteTo(output),
            markerTtl,
            announce: true);

    protected override void OnReply(List<Item> batch, in RespReply reply)
    {
        if (reply.IsError || reply.Array is not { } answers || answers.Length != batch.Count)
        {
            OnFailure(batch, RespErrors.Server(reply.Text ?? "ERR the settle script did not answer for every settlement"));
            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            settler.Settled(batch[i].Settlement, answers[i] == SettleScript.Settled, batch[i].Entry);
        }
    }

    protected override void OnFailure(List<Item> batch, Exception error) =>
        ThreadPool.UnsafeQueueUserWorkItem(
            static state =>
            {
                foreach (var item in state.batch)
                {
                    state.settler.SpoolFailed(item.Settlement, item.Entry, state.error);
                }
            },
            (settler, batch, error),
            preferLocal: false);

    protected override void Reroute(List<Item> batch)
    {
        foreach (var item in batch)
        {
            settler.Requeue(item.Settlement, item.Entry);
        }
    }

    /// <param name="Names">The Redis key names of the request's API key, when it is at hand (not on a replay).</param>
    internal readonly record struct Item(Settlement Settlement, JournalSegment? Entry, EventJson EventJson, AccountKeyNames? Names = null);
}
