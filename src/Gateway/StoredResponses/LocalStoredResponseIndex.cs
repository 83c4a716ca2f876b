using System.Collections.Concurrent;

namespace MassRouter.Gateway.StoredResponses;

/// <summary>
/// The index in the process, for a gateway without Redis (configured keys, metering off): one instance sees only the
/// responses it relayed. Bounded: past <see cref="Capacity"/> the oldest entries go first.
/// </summary>
internal sealed class LocalStoredResponseIndex(TimeProvider time) : IStoredResponseIndex
{
    /// <summary>Responses remembered at most (a few MB).</summary>
    public const int Capacity = 100_000;

    private readonly ConcurrentDictionary<string, (StoredResponseHolder Holder, long ExpiresAt)> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    public void Record(string responseId, StoredResponseHolder holder)
    {
        var expiresAt = time.GetUtcNow().Add(StoredResponseIndex.Retention).ToUnixTimeMilliseconds();
        if (_entries.TryAdd(responseId, (holder, expiresAt)))
        {
            // Bounded by the queue, not the entries: ids forgotten (deleted) stay queued until they come out here, so a
            // client that deletes every response it makes would otherwise grow the queue for ever.
            _order.Enqueue(responseId);
            while (_order.Count > Capacity && _order.TryDequeue(out var oldest))
            {
                _entries.TryRemove(oldest, out _);
            }
        }
        else
        {
            _entries[responseId] = (holder, expiresAt);
        }
    }

    public ValueTask<StoredResponseHolder?> FindAsync(string responseId, CancellationToken cancellationToken)
    {
        if (_entries.TryGetValue(responseId, out var entry))
        {
            if (entry.ExpiresAt > time.GetUtcNow().ToUnixTimeMilliseconds())
            {
                return ValueTask.FromResult<StoredResponseHolder?>(entry.Holder);
            }

            _entries.TryRemove(responseId, out _);
        }

        return ValueTask.FromResult<StoredResponseHolder?>(null);
    }

    public void Forget(string responseId) => _entries.TryRemove(responseId, out _);

    /// <summary>Ids queued for eviction, forgotten ones included (at most <see cref="Capacity"/>).</summary>
    internal int Queued => _order.Count;
}
