using System.Buffers;
using System.IO.Pipelines;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Anthropic;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Sse;
using Microsoft.AspNetCore.Http.Features;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// The Anthropic client dialect: the response body of a <c>/v1/messages</c> request while it rides the chat pipeline.
/// Everything the pipeline writes in OpenAI's shape (chunks, completions, gateway and metering errors, mid-stream error
/// events) is turned into Anthropic's here, so the pipeline has a single output side for both dialects and the OpenAI
/// route pays nothing for this one. Event streams are translated at every flush (chunk by chunk); whole bodies are held
/// until <see cref="FinishAsync"/>. A native attempt (an Anthropic-kind deployment) passes Anthropic's events through,
/// only the gateway's own OpenAI-shaped errors translated.
/// </summary>
internal sealed class AnthropicClientBody : PipeWriter, IHttpResponseBodyFeature, IDisposable
{
    private readonly HttpContext _context;
    private readonly IHttpResponseBodyFeature _inner;
    private readonly PooledBufferWriter _staged = new(16 * 1024);
    private readonly SseReader _reader = new();
    private Stream? _stream;
    private AnthropicStreamTranslator? _translator;
    private string _model;
    private bool _native;
    private Mode _mode;
    private bool _finished;

    private AnthropicClientBody(HttpContext context, IHttpResponseBodyFeature inner, string model)
    {
        _context = context;
        _inner = inner;
        _model = model;
    }

    private enum Mode
    {
        Undecided,
        Events,
        Whole,
    }

    Stream IHttpResponseBodyFeature.Stream => _stream ??= AsStream(leaveOpen: true);

    PipeWriter IHttpResponseBodyFeature.Writer => this;

    /// <summary>Puts the Anthropic dialect in front of the response body; <paramref name="requestId"/> goes out as Anthropic's <c>request-id</c>.</summary>
    public static AnthropicClientBody Install(HttpContext context, string model, string requestId)
    {
        var body = new AnthropicClientBody(context, context.Features.GetRequiredFeature<IHttpResponseBodyFeature>(), model);
        context.Features.Set<IHttpResponseBodyFeature>(body);

        // Registered once: survives the header resets between attempts. Anthropic's SDKs report it with every error.
        context.Response.OnStarting(static state =>
        {
            var (response, id) = ((HttpResponse, string))state;
            response.Headers[MessagesHandler.AnthropicRequestIdHeader] = id;
            return Task.CompletedTask;
        }, (context.Response, requestId));
        return body;
    }

    /// <summary>
    /// A new attempt: <paramref name="model"/> is the upstream id it is sent with (reported when the answer names no
    /// model); <paramref name="native"/> when its provider speaks Anthropic itself.
    /// </summary>
    public void BeginAttempt(string model, bool native)
    {
        _model = model;
        _native = native;
        _mode = Mode.Undecided;
        _translator = null;
        _staged.Clear();
        _reader.Reset();
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

    /// <summary>Writes what is left: the end of a stream, or the whole (translated) body with its length.</summary>
    public async Task FinishAsync()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        var response = _context.Response;
        var aborted = _context.RequestAborted;
        if (aborted.IsCancellationRequested || (_mode == Mode.Undecided && _staged.WrittenCount == 0))
        {
            return;
        }

        var inner = _inner.Writer;
        if (Decide() == Mode.Events)
        {
            Relay(inner, final: true);
            if (_translator is { IsFinished: false } translator)
            {
                if (translator.SawFinish)
                {
                    translator.Complete(inner);
                }
                else
                {
                    translator.Fail(inner, "api_error", "The provider's stream ended before the answer was complete.");
                }
            }

            await FlushQuietlyAsync(inner, aborted);
            return;
        }

        using var translated = new PooledBufferWriter(_staged.WrittenCount + 512);
        var body = _staged.WrittenSpan;
        var status = response.StatusCode;
        if (_native && (status < 400 || AnthropicErrorWriter.IsAnthropicError(body)))
        {
            // The provider's own message or error.
            translated.Write(body);
        }
        else if (status >= 400 || OpenAIErrorWriter.IsOpenAIError(body))
        {
            AnthropicErrorWriter.TranslateOpenAIError(status, body, translated);
        }
        else if (!AnthropicResponseTranslator.TryTranslate(_staged.WrittenMemory, _model, translated, out _))
        {
            response.StatusCode = StatusCodes.Status502BadGateway;
            AnthropicErrorWriter.Write(translated, "api_error", "The provider returned a response that is not a chat completion.");
        }

        response.ContentType = "application/json";
        response.ContentLength = translated.WrittenCount;
        await inner.WriteAsync(translated.WrittenMemory, aborted);
    }

    void IHttpResponseBodyFeature.DisableBuffering() => _inner.DisableBuffering();

    Task IHttpResponseBodyFeature.StartAsync(CancellationToken cancellationToken) =>
        Decide() == Mode.Events ? _inner.StartAsync(cancellationToken) : Task.CompletedTask;

    Task IHttpResponseBodyFeature.SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The Anthropic client dialect does not send files.");

    async Task IHttpResponseBodyFeature.CompleteAsync()
    {
        await FinishAsync();
        await _inner.CompleteAsync();
    }

    public void Dispose()
    {
        // Whatever runs after the handler writes to the real body again.
        if (ReferenceEquals(_context.Features.Get<IHttpResponseBodyFeature>(), this))
        {
            _context.Features.Set(_inner);
        }

        _staged.Dispose();
        _reader.Dispose();
    }

    /// <summary>An event stream is translated as it flows; anything else (a message or an error) is held whole.</summary>
    private Mode Decide()
    {
        if (_mode == Mode.Undecided)
        {
            var response = _context.Response;
            var events = response.StatusCode < 400
                && response.ContentType is { } type
                && type.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase);
            _mode = events ? Mode.Events : Mode.Whole;
            if (events && !_native)
            {
                _translator = new AnthropicStreamTranslator(_model);
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
            if (_translator is { } translator)
            {
                Translate(translator, sseEvent, output);
            }
            else if (!sseEvent.EventType.IsEmpty || !sseEvent.HasData)
            {
                // Anthropic's own event, from a native attempt.
                output.Write(sseEvent.Raw);
            }
            else if (!sseEvent.IsDone)
            {
                // The gateway's OpenAI-style error event (a native stream cut short): Anthropic's error event instead.
                output.Write("event: error\ndata: "u8);
                AnthropicErrorWriter.TranslateOpenAIError(StatusCodes.Status500InternalServerError, sseEvent.Data, output);
                output.Write("\n\n"u8);
            }
        }

        var rest = staged[start..];
        rest.CopyTo(_staged.Array);
        _staged.Clear();
        _staged.Advance(rest.Length);
    }

    private static void Translate(AnthropicStreamTranslator translator, SseEvent sseEvent, PipeWriter output)
    {
        if (translator.IsFinished || !sseEvent.HasData)
        {
            return;
        }

        if (sseEvent.IsDone)
        {
            translator.Complete(output);
        }
        else if (!translator.TranslateChunk(sseEvent.Data, output))
        {
            translator.Fail(output, "api_error", "The provider sent malformed stream data.");
        }
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
