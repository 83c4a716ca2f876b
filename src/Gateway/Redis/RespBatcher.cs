using System.Diagnostics;

namespace MassRouter.Gateway.Redis;

/// <summary>
/// Self-clocked batching of one script over the <see cref="RespPipeline"/>: an item goes out at once while fewer than
/// <c>maxInFlight</c> batches await their reply; otherwise it waits, and everything that waited goes as one script call
/// the moment a reply comes back. One request at a time is sent alone, as before; a burst (every request of a wave
/// finishing together) costs Redis one script call instead of one per request, and no item waits longer than Redis
/// takes to answer what is ahead of it, which it would have waited anyway.
/// </summary>
/// <remarks>
/// <para>The script takes each item's keys and arguments one after the other (<see cref="Write"/>, straight into the
/// command: a batch costs no arrays) and answers for each in order. Replies are handled on the pipeline's reader: the
/// next batch is sent before the answers are handed out, so Redis works on it while the waiting requests go on.</para>
/// <para>With a linger, an item that would go alone waits up to that long for company (or until a batch is full): for
/// work nobody waits on (settlements), where a call's fixed cost in Redis, not its latency, is what matters. It goes
/// sooner with any other command the pipeline writes (see <see cref="Tick"/>): riding along costs no send of its own.
/// When nothing else comes, the pipeline's wake-up timer sends it about twice the linger after it began to wait (twice:
/// under a steady load a later submission ends the linger first, without a timer thread's wake-up); while the traffic
/// ends every linger before the wake-up does, the wake-up backs off (<see cref="WakeBackoff"/>: up to 8 times later).</para>
/// </remarks>
internal abstract class RespBatcher<TItem> : IRespBatchCounts
{
    private readonly RespPipeline _pipeline;
    private readonly RespScript _script;
    private readonly int _maxInFlight;
    private readonly int _maxBatch;
    private readonly Lock _lock = new();
    private readonly long _lingerTicks;
    private readonly TimeSpan _wakeAfter;
    private List<TItem> _waiting = [];
    private long _waitingSince;

    // An item that may not linger waits (for a free slot): what waits goes as soon as it can.
    private bool _urgent;
    private int _inFlight;
    private long _batches;
    private long _items;

    /// <param name="name">The script's name in the pipeline's metrics.</param>
    /// <param name="linger">How long an item that would go alone waits for others (zero: it goes at once).</param>
    protected RespBatcher(string name, RespPipeline pipeline, RespScript script, int maxInFlight, int maxBatch, TimeSpan linger = default)
    {
        Name = name;
        _pipeline = pipeline;
        _script = script;
        _maxInFlight = maxInFlight;
        _maxBatch = maxBatch;
        _lingerTicks = (long)(linger.TotalSeconds * Stopwatch.Frequency);
        _wakeAfter = linger * 2;
        pipeline.Track(this);
    }

    public string Name { get; }

    /// <summary>Script calls sent so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Items sent so far.</summary>
    public long Items => Interlocked.Read(ref _items);

    /// <summary>
    /// Sends <paramref name="item"/> now, or with the next batch when enough are in flight (or it lingers: only when
    /// <paramref name="mayLinger"/>, since an item with no company in sight is better sent while Redis is idle).
    /// </summary>
    public void Submit(TItem item, bool mayLinger = true)
    {
        List<TItem>? batch = null;
        lock (_lock)
        {
            var now = Stopwatch.GetTimestamp();
            if (_waiting.Count == 0)
            {
                _waitingSince = now;
            }

            _waiting.Add(item);
            _urgent |= !mayLinger;
            var lingers = mayLinger && LingersLocked(now);
            if (_inFlight < _maxInFlight && !lingers)
            {
                _inFlight++;
                batch = TakeLocked(now);
            }
            else if (lingers)
            {
                _pipeline.WakeAfter(_wakeAfter);
            }
        }

        if (batch is not null)
        {
            Send(batch);
        }
    }

    /// <summary>
    /// Sends what has lingered long enough (called on every tick of the pipeline's timer: the backstop for a linger no
    /// later item ends), or, with <paramref name="force"/>, whatever waits (at shutdown, and whenever the pipeline starts
    /// a send, which the waiting items join).
    /// </summary>
    /// <returns>True when a batch was taken to be sent.</returns>
    public bool Tick(bool force = false)
    {
        List<TItem>? batch = null;
        lock (_lock)
        {
            var now = Stopwatch.GetTimestamp();
            if (_waiting.Count > 0 && _inFlight < _maxInFlight && (force || !LingersLocked(now)))
            {
                _inFlight++;
                batch = TakeLocked(now);
            }
            else if (_waiting.Count > 0 && LingersLocked(now))
            {
                // Began to linger after the wake-up this tick came from was set.
                _pipeline.WakeAfter(_wakeAfter);
            }
        }

        if (batch is null)
        {
            return false;
        }

        Send(batch);
        return true;
    }

    /// <summary>Writes the script's keys for <paramref name="batch"/>, then its arguments, in order.</summary>
    protected abstract void Write(List<TItem> batch, RespArguments arguments);

    /// <summary>Hands out the script's answer (on the pipeline's reader: must not block).</summary>
    protected abstract void OnReply(List<TItem> batch, in RespReply reply);

    /// <summary>The call failed without an answer: it may or may not have run.</summary>
    protected abstract void OnFailure(List<TItem> batch, Exception error);

    /// <summary>The pipeline is not usable (reconnecting, or the server turned out not to be standalone): nothing was sent.</summary>
    protected abstract void Reroute(List<TItem> batch);

    /// <summary>
    /// True while the waiting items should wait for more: a linger is set, it has not run out, the batch is not full, and
    /// none of them may not linger.
    /// </summary>
    private bool LingersLocked(long now) =>
        _lingerTicks > 0 && !_urgent && _waiting.Count < _maxBatch && now - _waitingSince < _lingerTicks;

    private List<TItem> TakeLocked(long now)
    {
        // What stays behind (beyond a full batch) starts its own wait now.
        _waitingSince = now;
        List<TItem> batch;
        if (_waiting.Count <= _maxBatch)
        {
            batch = _waiting;

            // Sized like the batch just taken: under a steady load the next one is about as large, and one array
            // replaces a list's growth from 4 by doubling.
            _waiting = new List<TItem>(batch.Count);
            _urgent = false;
        }
        else
        {
            batch = _waiting.GetRange(0, _maxBatch);
            _waiting.RemoveRange(0, _maxBatch);
        }

        return batch;
    }

    private void Send(List<TItem> batch)
    {
        while (true)
        {
            // Counted before the send: the reply may come back (and its caller read the counts) before TrySend returns.
            var count = batch.Count;
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _items, count);
            Exception? failure = null;
            try
            {
                if (_pipeline.TrySend(new Call(this, batch), _script))
                {
                    return;
                }
            }
            catch (Exception ex)
            {
                // The batch could not be written (nothing was sent): never leave it counted in flight without a call,
                // or the batcher would wait for it forever.
                failure = ex;
            }

            Interlocked.Decrement(ref _batches);
            Interlocked.Add(ref _items, -count);
            if (failure is null)
            {
                Reroute(batch);
            }
            else
            {
                OnFailure(batch, failure);
            }

            if (TakeNext() is not { } next)
            {
                return;
            }

            batch = next;
        }
    }

    /// <summary>
    /// A batch came back: the next one, if any waited, takes its place in flight; with a linger, only once the oldest
    /// waiting item has lingered long enough or the batch is full (else the next submission or tick sends it).
    /// </summary>
    private List<TItem>? TakeNext()
    {
        lock (_lock)
        {
            var now = Stopwatch.GetTimestamp();
            if (_waiting.Count == 0 || LingersLocked(now))
            {
                if (_waiting.Count > 0)
                {
                    _pipeline.WakeAfter(_wakeAfter);
                }

                _inFlight--;
                return null;
            }

            return TakeLocked(now);
        }
    }

    private void Answered()
    {
        if (TakeNext() is { } next)
        {
            Send(next);
        }
    }

    private sealed class Call(RespBatcher<TItem> batcher, List<TItem> batch) : RespOperation
    {
        internal override void WriteArguments(RespArguments arguments) => batcher.Write(batch, arguments);

        public override void OnReply(in RespReply reply)
        {
            batcher.Answered();
            batcher.OnReply(batch, reply);
        }

        public override void OnFailure(Exception error)
        {
            batcher.Answered();
            batcher.OnFailure(batch, error);
        }
    }
}

/// <summary>What a <see cref="RespBatcher{TItem}"/> sent, for the pipeline's metrics; and its tick, for the pipeline's timer.</summary>
internal interface IRespBatchCounts
{
    string Name { get; }

    /// <summary>Sends what has lingered long enough (or, with <paramref name="force"/>, whatever waits, when nothing holds it
    /// back); sets the pipeline's wake-up again for what still lingers. True when it sent a batch.</summary>
    bool Tick(bool force);

    long Batches { get; }

    long Items { get; }
}
