using System.Collections.Concurrent;

namespace MassRouter.Simulator.Faults;

/// <summary>Named gates for the <c>hold:ID</c> fault; a release may arrive before or after the hold.</summary>
internal sealed class HoldGates
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new(StringComparer.Ordinal);

    /// <summary>Waits until <paramref name="id"/> is released or the request is aborted; never times out.</summary>
    public async Task WaitAsync(string id, CancellationToken cancellationToken)
    {
        var gate = GetOrAdd(id);
        await gate.Task.WaitAsync(cancellationToken);

        // Consumed: the next hold with the same id waits for a new release.
        _gates.TryRemove(new KeyValuePair<string, TaskCompletionSource>(id, gate));
    }

    public void Release(string id) => GetOrAdd(id).TrySetResult();

    private TaskCompletionSource GetOrAdd(string id) =>
        _gates.GetOrAdd(id, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
