using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Redis;

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
    protected override void Write(List<Item> batch, RespArguments arguments)
    {
        foreach (var item in batch)
        {
            item.Arguments.WriteKeys(arguments);
        }

        foreach (var item in batch)
        {
            item.Arguments.WriteValues(arguments);
        }
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
            if (!AdmissionScript.TryAnswer(answers, ref offset, out ReadOnlySpan<long> answer))
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
    internal abstract class Item(AdmissionArguments arguments)
    {
        public AdmissionArguments Arguments { get; } = arguments;

        /// <summary>Redis's answer (on the pipeline's reader: must not block; a slice of the reply, not to be kept).</summary>
        public abstract void Answer(ReadOnlySpan<long> answer);

        /// <summary>No answer: the call failed, and may or may not have run.</summary>
        public abstract void Fail(Exception error);

        /// <summary>The pipeline could not take it after all: nothing was sent.</summary>
        public abstract void Reroute();
    }

    /// <summary>
    /// An admission the request waits for: its answer, or null when the pipeline could not take it (use the
    /// multiplexer). The awaiting request continues on the pipeline's reader, without a thread hop.
    /// </summary>
    internal sealed class Request(AdmissionArguments arguments) : Item(arguments)
    {
        // No RunContinuationsAsynchronously, on purpose (as RespTaskOperation).
        private readonly TaskCompletionSource<long[]?> _completion = new();

        public Task<long[]?> Task => _completion.Task;

        public override void Answer(ReadOnlySpan<long> answer) => _completion.TrySetResult(answer.ToArray());

        public override void Fail(Exception error) => _completion.TrySetException(error);

        public override void Reroute() => _completion.TrySetResult(null);
    }
}
