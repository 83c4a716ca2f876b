using StackExchange.Redis;

namespace MassRouter.Gateway.Redis;

/// <summary>
/// Self-clocked batching of one script over the <see cref="RespPipeline"/>: an item goes out at once while fewer than
/// <c>maxInFlight</c> batches await their reply; otherwise it waits, and everything that waited goes as one script call
/// the moment a reply comes back. One request at a time is sent alone, as before; a burst (every request of a wave
/// finishing together) costs Redis one script call instead of one per request, and no item waits longer than Redis
/// takes to answer what is ahead of it, which it would have waited anyway.
/// </summary>
/// <remarks>
/// The script takes each item's keys and arguments one after the other (<see cref="Encode"/>) and answers for each in
/// order. Replies are handled on the pipeline's reader: the next batch is sent before the answers are handed out, so
/// Redis works on it while the waiting requests go on.
/// </remarks>
internal abstract class RespBatcher<TItem> : IRespBatchCounts
{
    private readonly RespPipeline _pipeline;
    private readonly RespScript _script;
    private readonly int _maxInFlight;
    private readonly int _maxBatch;
    private readonly Lock _lock = new();
    private List<TItem> _waiting = [];
    private int _inFlight;
    private long _batches;
    private long _items;

    /// <param name="name">The script's name in the pipeline's metrics.</param>
    protected RespBatcher(string name, RespPipeline pipeline, RespScript script, int maxInFlight, int maxBatch)
    {
        Name = name;
        _pipeline = pipeline;
        _script = script;
        _maxInFlight = maxInFlight;
        _maxBatch = maxBatch;
        pipeline.Track(this);
    }

    public string Name { get; }

    /// <summary>Script calls sent so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Items sent so far.</summary>
    public long Items => Interlocked.Read(ref _items);

    /// <summary>Sends <paramref name="item"/> now, or with the next batch when enough are in flight.</summary>
    public void Submit(TItem item)
    {
        List<TItem>? batch = null;
        lock (_lock)
        {
            _waiting.Add(item);
            if (_inFlight < _maxInFlight)
            {
                _inFlight++;
                batch = TakeLocked();
            }
        }

        if (batch is not null)
        {
            Send(batch);
        }
    }

    /// <summary>The script's keys and arguments for <paramref name="batch"/>, in order.</summary>
    protected abstract (RedisKey[] Keys, RedisValue[] Values) Encode(List<TItem> batch);

    /// <summary>Hands out the script's answer (on the pipeline's reader: must not block).</summary>
    protected abstract void OnReply(List<TItem> batch, in RespReply reply);

    /// <summary>The call failed without an answer: it may or may not have run.</summary>
    protected abstract void OnFailure(List<TItem> batch, Exception error);

    /// <summary>The pipeline is not usable (reconnecting, or the server turned out not to be standalone): nothing was sent.</summary>
    protected abstract void Reroute(List<TItem> batch);

    private List<TItem> TakeLocked()
    {
        List<TItem> batch;
        if (_waiting.Count <= _maxBatch)
        {
            batch = _waiting;
            _waiting = [];
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
            RedisKey[] keys;
            RedisValue[] values;
            try
            {
                (keys, values) = Encode(batch);
            }
            catch (Exception ex)
            {
                // Never leave a batch counted in flight without a call: the batcher would wait for it forever.
                OnFailure(batch, ex);
                if (TakeNext() is not { } following)
                {
                    return;
                }

                batch = following;
                continue;
            }

            if (_pipeline.TrySend(new Call(this, batch), _script, keys, values))
            {
                Interlocked.Increment(ref _batches);
                Interlocked.Add(ref _items, batch.Count);
                return;
            }

            Reroute(batch);
            if (TakeNext() is not { } next)
            {
                return;
            }

            batch = next;
        }
    }

    /// <summary>A batch came back: the next one, if any waited, takes its place in flight.</summary>
    private List<TItem>? TakeNext()
    {
        lock (_lock)
        {
            if (_waiting.Count == 0)
            {
                _inFlight--;
                return null;
            }

            return TakeLocked();
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

/// <summary>What a <see cref="RespBatcher{TItem}"/> sent, for the pipeline's metrics.</summary>
internal interface IRespBatchCounts
{
    string Name { get; }

    long Batches { get; }

    long Items { get; }
}
