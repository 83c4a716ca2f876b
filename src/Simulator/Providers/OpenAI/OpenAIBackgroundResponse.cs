using System.Buffers;
using MassRouter.Simulator.Exchange;
using MassRouter.Simulator.Faults;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// A Responses API response created with <c>background</c> on, generated apart from the request that created it, as OpenAI
/// does: <c>queued</c> at once, <c>in_progress</c> when its first token is due, then <c>completed</c> (<c>incomplete</c> when
/// the limit cut it) with the body a request without <c>background</c> would have got, paced by the same settings. A
/// <c>hold</c> fault pauses it after its first chunk and a <c>midstream-error</c> fault ends it <c>failed</c>, as they do a
/// stream; a cancel (or a delete) ends it <c>cancelled</c> and the host stopping ends it <c>failed</c>, at once. Created with
/// <c>stream</c> on, it keeps its events, which a client reads from any sequence number, while they are generated and after.
/// The run is the only writer of its state; readers take snapshots under the lock.
/// </summary>
#pragma warning disable CA1001 // Its one disposable, _stop, has no timer or wait handle to free, and a cancel may come after the run ended.
internal sealed class OpenAIBackgroundResponse
#pragma warning restore CA1001
{
    private readonly Lock _lock = new();
    private readonly OpenAIResponseEncoder _response;
    private readonly CancellationTokenSource _stop = new();

    /// <summary>The events so far, each with its SSE framing, at the index of its sequence number; null without <c>stream</c>.</summary>
    private readonly List<ReadOnlyMemory<byte>>? _events;

    /// <summary>What generates it, until the run takes it: only the run keeps its buffers, not the store.</summary>
    private Generation? _generation;

    private ReadOnlyMemory<byte> _snapshot;
    private OpenAIResponseStatus _status = OpenAIResponseStatus.Queued;
    private bool _ended;
    private bool _cancelled;

    /// <summary>The index of the event after which a reset fault cuts the creating request's connection; -1 for none.</summary>
    private int _resetAfter = -1;

    /// <summary>Completed (and replaced) whenever events are added or the status changes.</summary>
    private TaskCompletionSource _changed = NewSignal();

    public OpenAIBackgroundResponse(
        OpenAIResponseEncoder response,
        OpenAIConversation? conversation,
        ReadOnlyMemory<byte> input,
        GenerationSettings settings,
        FaultPlan? faults,
        HoldGates gates,
        bool stream)
    {
        _response = response;
        _events = stream ? [] : null;
        Id = response.Id;
        Created = Write(OpenAIResponseStatus.Queued);
        _snapshot = Created;
        _generation = new Generation(this, new OpenAIResponsesEventEncoder(response, store: null, conversation, input), settings, faults, gates);
    }

    public string Id { get; }

    /// <summary>The Response object as created, <c>queued</c>: what the creating request is answered with.</summary>
    public ReadOnlyMemory<byte> Created { get; }

    /// <summary>True when created with <c>stream</c> on: its events can be streamed again.</summary>
    public bool Streamed => _events is not null;

    /// <summary>The Response object as it is now.</summary>
    public ReadOnlyMemory<byte> Snapshot
    {
        get
        {
            lock (_lock)
            {
                return _snapshot;
            }
        }
    }

    /// <summary>Generates the response until it ends; <paramref name="stopping"/> (the host's) ends it <c>failed</c>. Never throws for a stop.</summary>
    public Task RunAsync(CancellationToken stopping) =>
        (Interlocked.Exchange(ref _generation, null) ?? throw new InvalidOperationException("A background response runs once.")).RunAsync(stopping);

    /// <summary>
    /// Stops the response unless it has ended (it ends <c>cancelled</c>), waits until it has ended and returns its status and
    /// the Response object then. A response that finished first stays as it finished.
    /// </summary>
    public async Task<(OpenAIResponseStatus Status, ReadOnlyMemory<byte> Response)> CancelAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _cancelled |= !_ended;
        }

        await _stop.CancelAsync();
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_ended)
                {
                    return (_status, _snapshot);
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Answers with the events after sequence number <paramref name="startingAfter"/> as SSE, then the others as they are
    /// generated, until the last. With <paramref name="resettable"/> (the creating request), a reset fault cuts the
    /// connection after the chunk it names; the response goes on.
    /// </summary>
    public async Task StreamAsync(HttpContext context, long startingAfter, bool resettable)
    {
        var events = _events ?? throw new InvalidOperationException("Only a response created with stream on keeps its events.");

        // Waiting for the next event writes nothing: a client that left is seen when its connection closes, not at the next write.
        using var connectionWatch = SimulatedExchange.AbortWhenConnectionCloses(context);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = SimulatedStream.SseContentType;
        var writer = context.Response.BodyWriter;
        var next = (int)Math.Clamp(startingAfter + 1, 0, int.MaxValue);
        while (true)
        {
            Task changed;
            bool ended;
            var reset = false;
            lock (_lock)
            {
                for (; next < events.Count && !reset; next++)
                {
                    writer.Write(events[next].Span);
                    reset = resettable && next == _resetAfter;
                }

                ended = _ended && next >= events.Count;
                changed = _changed.Task;
            }

            if (!ClientGone.CanContinue(context, await writer.FlushAsync(context.RequestAborted)))
            {
                return;
            }

            if (reset)
            {
                await FaultPlan.ResetAsync(context);
                return;
            }

            if (ended)
            {
                return;
            }

            await changed.WaitAsync(context.RequestAborted);
        }
    }

    /// <summary>
    /// Makes <paramref name="written"/> (whole events) readable when the events are kept and moves to
    /// <paramref name="status"/> (null: unchanged), at once for every reader. Called by the generation only.
    /// </summary>
    private void Publish(ReadOnlySpan<byte> written, OpenAIResponseStatus? status, bool end = false, bool resetHere = false)
    {
        var snapshot = status is { } next ? Write(next) : default;
        TaskCompletionSource changed;
        lock (_lock)
        {
            if (_events is not null)
            {
                AddEvents(_events, written);
                if (resetHere)
                {
                    _resetAfter = _events.Count - 1;
                }
            }

            if (status is { } now)
            {
                _status = now;
                _snapshot = snapshot;
            }

            _ended |= end;
            changed = _changed;
            _changed = NewSignal();
        }

        changed.SetResult();
    }

    private ReadOnlyMemory<byte> Write(OpenAIResponseStatus status)
    {
        var body = new ArrayBufferWriter<byte>(status is OpenAIResponseStatus.Completed or OpenAIResponseStatus.Incomplete ? _response.FinishedSizeHint : 1024);
        _response.WriteResponse(body, status);
        return body.WrittenMemory;
    }

    /// <summary>Splits whole SSE events (each ends with a blank line; their JSON has no raw newline) into <paramref name="events"/>.</summary>
    private static void AddEvents(List<ReadOnlyMemory<byte>> events, ReadOnlySpan<byte> written)
    {
        while (!written.IsEmpty)
        {
            var end = written.IndexOf("\n\n"u8);
            var length = end < 0 ? written.Length : end + 2;
            events.Add(written[..length].ToArray());
            written = written[length..];
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// The generation of one background response, timed from its creation as the creating request would have been: the
    /// stream <see cref="AnswerStreamer"/> writes to, each flush published to the response. The only writer of its state.
    /// </summary>
    private sealed class Generation : IAnswerStream
    {
        private readonly OpenAIBackgroundResponse _owner;
        private readonly OpenAIResponsesEventEncoder _encoder;
        private readonly GenerationSettings _settings;
        private readonly FaultPlan? _faults;
        private readonly HoldGates _gates;
        private readonly int _chunks;
        private readonly Pacer _pacer;

        /// <summary>What the encoder wrote since the last flush: whole events.</summary>
        private readonly ArrayBufferWriter<byte> _written = new(1024);

        public Generation(OpenAIBackgroundResponse owner, OpenAIResponsesEventEncoder encoder, GenerationSettings settings, FaultPlan? faults, HoldGates gates)
        {
            _owner = owner;
            _encoder = encoder;
            _settings = settings;
            _faults = faults;
            _gates = gates;
            _chunks = owner._response.Plan.ChunkCount(settings.ChunkSize);
            _pacer = Pacer.Start(settings.TimeToFirstTokenMs, settings.InterTokenIntervalMs);
            encoder.WriteQueued(_written);
            Publish(status: null);
        }

        public IBufferWriter<byte> Writer => _written;

        private CancellationToken Stop => _owner._stop.Token;

        public async Task RunAsync(CancellationToken stopping)
        {
            using var hostStopping = stopping.UnsafeRegister(static stop => ((CancellationTokenSource)stop!).Cancel(), _owner._stop);
            try
            {
                await AnswerStreamer.StreamAsync(this, _owner._response.Plan, _encoder, _settings.ChunkSize);
            }
            catch (OperationCanceledException) when (Stop.IsCancellationRequested)
            {
                // Cancelled, deleted or the host is stopping: ended below.
            }
            finally
            {
                bool ended, cancelled;
                lock (_owner._lock)
                {
                    ended = _owner._ended;
                    cancelled = _owner._cancelled;
                }

                if (!ended)
                {
                    End(cancelled ? OpenAIResponseStatus.Cancelled : OpenAIResponseStatus.Failed);
                }
            }
        }

        public ValueTask WaitForChunkAsync(int chunk) => _pacer.WaitForChunkAsync(chunk, Stop);

        public async ValueTask<bool> FlushChunkAsync(int written)
        {
            var last = written >= _chunks;
            Publish(written == 0 ? OpenAIResponseStatus.InProgress : null, resetHere: _faults?.ResetsAfter(written, last) == true);
            if (_faults is not null)
            {
                if (_faults.HoldsAfter(written))
                {
                    await _gates.WaitAsync(_faults.HoldId!, Stop);
                }

                if (_faults.ErrorsAfter(written, last))
                {
                    End(OpenAIResponseStatus.Failed);
                    return false;
                }
            }

            // Pacing off never waits, so a cancel is seen here.
            return !Stop.IsCancellationRequested;
        }

        public ValueTask<bool> FlushAsync()
        {
            Publish(_owner._response.FinishedStatus, end: true);
            return ValueTask.FromResult(true);
        }

        /// <summary>Ends the response failed or cancelled: the last event, response.failed, and the status.</summary>
        private void End(OpenAIResponseStatus status)
        {
            _encoder.WriteEnded(_written, status);
            Publish(status, end: true);
        }

        private void Publish(OpenAIResponseStatus? status, bool end = false, bool resetHere = false)
        {
            _owner.Publish(_written.WrittenSpan, status, end, resetHere);
            _written.ResetWrittenCount();
        }
    }
}
