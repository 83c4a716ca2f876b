using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Redis;
using StackExchange.Redis;

namespace MassRouter.Gateway.Limits;

/// <summary>
/// Admissions waiting for Redis, batched on the request-path pipeline (see <see cref="RespBatcher{TItem}"/>): two
/// batches in flight keep Redis busy while the next one gathers; the script checks a batch's requests in order, as if
/// each ran alone. An optimistic admission (nobody waits on its answer) may linger up to
/// <see cref="MeteringOptions.AdmissionLinger"/> for company while other requests are in flight; a waited one never
/// lingers, and takes whatever lingers with it.
/// </summary>
internal sealed class AdmissionBatcher(RespPipeline pipeline, TimeSpan linger = default)
    : RespBatcher<AdmissionBatcher.Item>("admission", pipeline, AdmissionScript.Script, maxInFlight: 2, maxBatch: 64, linger)
{
    protected override (RedisKey[] Keys, RedisValue[] Values) Encode(List<Item> batch)
    {
        if (batch.Count == 1)
        {
            return (batch[0].Keys, batch[0].Values);
        }

        var keys = new RedisKey[batch.Count * AdmissionScript.Stride];
        var values = new RedisValue[batch.Count * AdmissionScript.Stride];
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Keys.CopyTo(keys, i * AdmissionScript.Stride);
            batch[i].Values.CopyTo(values, i * AdmissionScript.Stride);
        }

        return (keys, values);
    }

    protected override void OnReply(List<Item> batch, in RespReply reply)
    {
        if (reply.IsError || reply.Array is not { } answers)
        {
            OnFailure(batch, RespErrors.Server(reply.Text ?? "ERR the admission script did not return an array"));
            return;
        }

        Dispatch(batch, answers);
    }

    /// <summary>
    /// Hands each request its answer, in order; when the reply ends early, the requests left without one fail (none is
    /// left waiting).
    /// </summary>
    internal static void Dispatch(List<Item> batch, ReadOnlySpan<long> answers)
    {
        var offset = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            if (!AdmissionScript.TryAnswer(answers, ref offset, out var answer))
            {
                var error = RespErrors.Server("ERR the admission script answered for fewer requests than it was sent");
                for (; i < batch.Count; i++)
                {
                    batch[i].Fail(error);
                }

                return;
            }

            batch[i].Answer(answer);
        }
    }

    protected override void OnFailure(List<Item> batch, Exception error)
    {
        foreach (var item in batch)
        {
            item.Fail(error);
        }
    }

    protected override void Reroute(List<Item> batch)
    {
        foreach (var item in batch)
        {
            item.Reroute();
        }
    }

    /// <summary>One admission in a batch: its keys and arguments, and what to do with its answer.</summary>
    internal abstract class Item(RedisKey[] keys, RedisValue[] values)
    {
        public RedisKey[] Keys { get; } = keys;

        public RedisValue[] Values { get; } = values;

        /// <summary>Redis's answer (on the pipeline's reader: must not block).</summary>
        public abstract void Answer(long[] answer);

        /// <summary>No answer: the call failed, and may or may not have run.</summary>
        public abstract void Fail(Exception error);

        /// <summary>The pipeline could not take it after all: nothing was sent.</summary>
        public abstract void Reroute();
    }

    /// <summary>
    /// An admission the request waits for: its answer, or null when the pipeline could not take it (use the
    /// multiplexer). The awaiting request continues on the pipeline's reader, without a thread hop.
    /// </summary>
    internal sealed class Request(RedisKey[] keys, RedisValue[] values) : Item(keys, values)
    {
        // No RunContinuationsAsynchronously, on purpose (as RespTaskOperation).
        private readonly TaskCompletionSource<long[]?> _completion = new();

        public Task<long[]?> Task => _completion.Task;

        public override void Answer(long[] answer) => _completion.TrySetResult(answer);

        public override void Fail(Exception error) => _completion.TrySetException(error);

        public override void Reroute() => _completion.TrySetResult(null);
    }
}
