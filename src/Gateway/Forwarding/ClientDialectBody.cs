using System.IO.Pipelines;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Sse;
using Microsoft.AspNetCore.Http.Features;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// The response body of a request in another client dialect while it rides the chat pipeline: everything the pipeline
/// writes in OpenAI's shape (chunks, completions, gateway and metering errors, mid-stream error events) is turned into
/// the client's here, so the pipeline has a single output side for every dialect and the OpenAI route pays nothing for
/// them. Event streams are translated at every flush (event by event); whole bodies are held until <see cref="FinishAsync"/>.
/// </summary>
internal abstract class ClientDialectBody : PipeWriter, IHttpResponseBodyFeature, IClientDialect, IDisposable
{
    private readonly IHttpResponseBodyFeature _inner;
    private readonly PooledBufferWriter _staged = new(16 * 1024);
    private readonly SseReader _reader = new();
    private Stream? _stream;
    private Mode _mode;
    private bool _finished;

    protected ClientDialectBody(HttpContext context, string model)
    {
        Context = context;
        _inner = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        Model = model;
    }

    private enum Mode
    {
        Undecided,
        Events,
        Whole,
    }

    Stream IHttpResponseBodyFeature.Stream => _stream ??= AsStream(leaveOpen: true);

    PipeWriter IHttpResponseBodyFeature.Writer => this;

    /// <inheritdoc/>
    public abstract Telemetry.ClientApi Api { get; }

    protected HttpContext Context { get; }

    /// <summary>The upstream id of the current attempt's model.</summary>
    protected string Model { get; private set; }

    /// <summary>True when the current attempt's provider speaks the client's dialect itself.</summary>
    protected bool Native { get; private set; }

    /// <summary>The current attempt's deployment (null before the first).</summary>
    protected Routing.Deployment? Attempt { get; private set; }

    /// <inheritdoc/>
    public void BeginAttempt(Routing.Deployment deployment, bool native)
    {
        Attempt = deployment;
        Model = deployment.UpstreamModel;
        Native = native;
        _mode = Mode.Undecided;
        _staged.Clear();
        _reader.Reset();
        OnAttempt();
    }

    public override void Advance(int bytes) => _staged.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => _staged.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => _staged.GetSpan(sizeHint);

    public override void CancelPendingFlush() => _inner.Writer.CancelPendingFlush();

    public override void Complete(Exception? exception = null)
    {
        // The pipeline never completes the body itself; FinishAsync (from the handler) ends it.
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (Decide() == Mode.Whole)
        {
            return ValueTask.FromResult(new FlushResult(isCanceled: false, isCompleted: false));
        }

        var inner = _inner.Writer;
        Relay(inner, final: false);
        return inner.FlushAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async Task FinishAsync()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        var response = Context.Response;
        var aborted = Context.RequestAborted;
        if (aborted.IsCancellationRequested || (_mode == Mode.Undecided && _staged.WrittenCount == 0))
        {
            return;
        }

        var inner = _inner.Writer;
        if (Decide() == Mode.Events)
        {
            Relay(inner, final: true);
            EndStream(inner);
            await FlushQuietlyAsync(inner, aborted);
            return;
        }

        using var translated = new PooledBufferWriter(_staged.WrittenCount + 512);
        TranslateWhole(_staged.WrittenMemory, translated);
        response.ContentType = "application/json";
        response.ContentLength = translated.WrittenCount;
        await inner.WriteAsync(translated.WrittenMemory, aborted);
    }

    void IHttpResponseBodyFeature.DisableBuffering() => _inner.DisableBuffering();

    Task IHttpResponseBodyFeature.StartAsync(CancellationToken cancellationToken) =>
        Decide() == Mode.Events ? _inner.StartAsync(cancellationToken) : Task.CompletedTask;

    Task IHttpResponseBodyFeature.SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken) =>
        throw new NotSupportedException("A client dialect does not send files.");

    async Task IHttpResponseBodyFeature.CompleteAsync()
    {
        await FinishAsync();
        await _inner.CompleteAsync();
    }

    public void Dispose()
    {
        // Whatever runs after the handler writes to the real body again.
        if (ReferenceEquals(Context.Features.Get<IHttpResponseBodyFeature>(), this))
        {
            Context.Features.Set(_inner);
        }

        _staged.Dispose();
        _reader.Dispose();
        DisposeCore();
    }

    /// <summary>Puts this body in front of the real one.</summary>
    protected void Install() => Context.Features.Set<IHttpResponseBodyFeature>(this);

    /// <summary>Releases what the dialect holds besides the staged bytes.</summary>
    /// <summary>
    /// Where a stream's keep-alive goes and what it is (<see cref="StreamKeepAlive"/>): the real body, once this is an
    /// event stream (between two flushes nothing is staged here, every event having gone out whole); null before.
    /// </summary>
    public (PipeWriter Writer, ReadOnlyMemory<byte> Bytes)? KeepAliveTarget() => _mode == Mode.Events ? (_inner.Writer, KeepAlive) : null;

    /// <summary>This dialect's keep-alive: an SSE comment, which every SDK ignores, unless the API has its own.</summary>
    protected virtual ReadOnlyMemory<byte> KeepAlive => StreamKeepAlive.Comment;

    protected virtual void DisposeCore()
    {
    }

    /// <summary>A new attempt begins: forget the last one's stream state.</summary>
    protected abstract void OnAttempt();

    /// <summary>The answer is an event stream (a 2xx <c>text/event-stream</c>): set up its translation.</summary>
    protected abstract void OnEvents();

    /// <summary>Writes one complete upstream (or gateway) event in the client's dialect.</summary>
    protected abstract void RelayEvent(SseEvent sseEvent, PipeWriter output);

    /// <summary>The upstream stream ended (every event relayed): write the client's end of stream if it is missing.</summary>
    protected abstract void EndStream(PipeWriter output);

    /// <summary>
    /// Writes a whole answer (a completion or an error, the response's status code as the pipeline set it) in the
    /// client's dialect; may change the status code (a body that cannot be read is a 502).
    /// </summary>
    protected abstract void TranslateWhole(ReadOnlyMemory<byte> body, PooledBufferWriter translated);

    /// <summary>An event stream is translated as it flows; anything else (a completion or an error) is held whole.</summary>
    private Mode Decide()
    {
        if (_mode == Mode.Undecided)
        {
            var response = Context.Response;
            var events = response.StatusCode < 400
                && response.ContentType is { } type
                && type.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase);
            _mode = events ? Mode.Events : Mode.Whole;
            if (events)
            {
                OnEvents();
            }
        }

        return _mode;
    }

    /// <summary>Writes every complete staged event in the client's dialect and keeps the incomplete rest.</summary>
    private void Relay(PipeWriter output, bool final)
    {
        var staged = _staged.WrittenSpan;
        var start = 0;
        while (start < staged.Length && _reader.TryRead(staged[start..], final, out var sseEvent, out var consumed))
        {
            start += consumed;
            RelayEvent(sseEvent, output);
        }

        var rest = staged[start..];
        rest.CopyTo(_staged.Array);
        _staged.Clear();
        _staged.Advance(rest.Length);
    }

    private static async Task FlushQuietlyAsync(PipeWriter writer, CancellationToken aborted)
    {
        try
        {
            await writer.FlushAsync(aborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client is gone; nothing left to tell.
        }
    }
}
