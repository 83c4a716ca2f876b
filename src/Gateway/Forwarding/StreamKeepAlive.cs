using System.Buffers;
using System.IO.Pipelines;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// Keeps a started stream alive while its provider is quiet (a reasoning model thinking after <c>response.created</c>,
/// a long tool call): every <see cref="Configuration.GatewayOptions.StreamKeepAlive"/> in which nothing was relayed, an
/// SSE comment (<c>: keep-alive</c>; for an Anthropic client its own <c>ping</c> event) goes to the client, so a load
/// balancer or proxy between it and the gateway (idle timeouts of 60 s are common) does not cut the stream. SDKs ignore
/// both. Before the provider's first event only on the OpenAI route and when the model sets no first-token timeout of
/// its own (a reasoning model on chat completions may send nothing until it has thought; its provider's 200 has come):
/// a model that does set one falls back to its next deployment when the first event is late, so nothing is committed
/// before it; and a client dialect's first event is its own (Anthropic's <c>message_start</c>), never a ping.
/// </summary>
/// <remarks>
/// The relay and the timer never write at once: the relay marks itself waiting before it waits for the provider and takes
/// the writer back (<see cref="ResumeAsync"/>) before it writes; the timer writes only while the relay waits, and the
/// relay, back meanwhile, waits for the timer's flush. Per event that is a volatile write and a compare-exchange.
/// </remarks>
internal sealed class StreamKeepAlive
{
    private const int Busy = 0;
    private const int Waiting = 1;
    private const int Writing = 2;
    private const int Flushing = 3;
    private const int Stopped = 4;

    /// <summary>An SSE comment: every SSE client skips it.</summary>
    public static readonly ReadOnlyMemory<byte> Comment = ": keep-alive\n\n"u8.ToArray();

    private readonly PipeWriter _writer;
    private readonly IClientDialect? _dialect;
    private readonly CancellationToken _aborted;
    private readonly ITimer _timer;
    private int _state;
    private bool _started;
    private bool _relayed;
    private Task _pendingFlush = Task.CompletedTask;

    private StreamKeepAlive(PipeWriter writer, IClientDialect? dialect, TimeSpan interval, bool beforeFirstEvent, CancellationToken aborted)
    {
        _started = beforeFirstEvent;
        _writer = writer;
        _dialect = dialect;
        _aborted = aborted;
        _timer = TimeProvider.System.CreateTimer(static state => ((StreamKeepAlive)state!).Tick(), this, interval, interval);
    }

    /// <summary>Keep-alives written to the client so far (read once stopped).</summary>
    public int Sent { get; private set; }

    /// <summary>A keep-alive for the stream written to <paramref name="writer"/>, or null when they are off.</summary>
    /// <param name="beforeFirstEvent">Keep-alives may also start the stream before the provider's first event (the
    /// response's status and headers are then committed: a stall can no longer go to another deployment).</param>
    public static StreamKeepAlive? Start(PipeWriter writer, IClientDialect? dialect, TimeSpan interval, bool beforeFirstEvent, CancellationToken aborted) =>
        interval > TimeSpan.Zero ? new StreamKeepAlive(writer, dialect, interval, beforeFirstEvent, aborted) : null;

    /// <summary>The relay is about to wait for the provider: a keep-alive may be written meanwhile.</summary>
    public void BeforeWait() => Volatile.Write(ref _state, Waiting);

    /// <summary>The relay flushed events to the client: the stream has started, and was not idle this period.</summary>
    public void Relayed()
    {
        Volatile.Write(ref _relayed, true);
        Volatile.Write(ref _started, true);
    }

    /// <summary>Takes the writer back for the relay, after a keep-alive being written, if any.</summary>
    public ValueTask ResumeAsync() =>
        Interlocked.CompareExchange(ref _state, Busy, Waiting) == Waiting ? ValueTask.CompletedTask : ResumeSlowAsync();

    /// <summary>Stops the timer; after it (and after a keep-alive being written, if any) the writer is the caller's alone.</summary>
    public async ValueTask StopAsync()
    {
        await _timer.DisposeAsync();
        while (true)
        {
            var state = Volatile.Read(ref _state);
            if (state == Flushing)
            {
                await WaitQuietlyAsync(_pendingFlush);
            }
            else if (state == Writing)
            {
                await Task.Yield();
            }
            else if (Interlocked.CompareExchange(ref _state, Stopped, state) == state)
            {
                return;
            }
        }
    }

    private async ValueTask ResumeSlowAsync()
    {
        var spin = default(SpinWait);
        while (true)
        {
            var state = Interlocked.CompareExchange(ref _state, Busy, Waiting);
            if (state is Waiting or Busy or Stopped)
            {
                return;
            }

            if (state == Flushing)
            {
                await WaitQuietlyAsync(_pendingFlush);
            }
            else
            {
                // Writing: the timer is between taking the writer and starting its flush, a few instructions.
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }
    }

    private void Tick()
    {
        if (!Volatile.Read(ref _started) || _aborted.IsCancellationRequested)
        {
            return;
        }

        if (Volatile.Read(ref _relayed))
        {
            // Something went out this period: the stream is not idle.
            Volatile.Write(ref _relayed, false);
            return;
        }

        if (Interlocked.CompareExchange(ref _state, Writing, Waiting) != Waiting)
        {
            return;
        }

        try
        {
            // A client dialect writes its own keep-alive to the real body (the dialect translates only whole events).
            var (writer, bytes) = _dialect is ClientDialectBody dialect ? dialect.KeepAliveTarget() ?? default : (_writer, Comment);
            if (writer is null)
            {
                Volatile.Write(ref _state, Waiting);
                return;
            }

            writer.Write(bytes.Span);
            Sent++;
            var flush = writer.FlushAsync(_aborted);
            if (flush.IsCompleted)
            {
                // A client that left is the relay's to notice.
                flush.GetAwaiter().GetResult();
                Volatile.Write(ref _state, Waiting);
                return;
            }

            _pendingFlush = AfterFlushAsync(flush);
            Interlocked.CompareExchange(ref _state, Flushing, Writing);
        }
        catch (Exception)
        {
            // A timer callback must not throw (the process would end): a client that left is the relay's to notice.
            Volatile.Write(ref _state, Waiting);
        }
    }

    private async Task AfterFlushAsync(ValueTask<FlushResult> flush)
    {
        try
        {
            await flush;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or OperationCanceledException)
        {
        }
        finally
        {
            // Flushing once Tick has marked it so, or still Writing when the flush ended first.
            if (Interlocked.CompareExchange(ref _state, Waiting, Flushing) != Flushing)
            {
                Interlocked.CompareExchange(ref _state, Waiting, Writing);
            }
        }
    }

    private static async Task WaitQuietlyAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or OperationCanceledException)
        {
        }
    }
}
