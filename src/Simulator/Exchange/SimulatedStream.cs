using System.Buffers;
using System.IO.Pipelines;
using MassRouter.Simulator.Faults;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Exchange;

/// <summary>
/// One generated event stream: paces content chunks, flushes every event as it is written and applies the stream faults.
/// Chunks are counted like the OpenAI simulator counts them: the preamble is chunk 0, each content chunk adds one.
/// </summary>
internal sealed class SimulatedStream : IAnswerStream
{
    public const string SseContentType = "text/event-stream; charset=utf-8";

    private readonly HttpContext _context;
    private readonly FaultPlan? _faults;
    private readonly HoldGates _gates;
    private readonly ReadOnlyMemory<byte> _errorEvent;
    private readonly Pacer _pacer;
    private readonly int _chunks;

    private SimulatedStream(
        HttpContext context, GenerationSettings settings, int chunks, FaultPlan? faults, HoldGates gates, ReadOnlyMemory<byte> errorEvent)
    {
        _context = context;
        _faults = faults;
        _gates = gates;
        _errorEvent = errorEvent;
        _chunks = chunks;
        _pacer = Pacer.Start(settings.TimeToFirstTokenMs, settings.InterTokenIntervalMs);
    }

    public PipeWriter Writer => _context.Response.BodyWriter;

    IBufferWriter<byte> IAnswerStream.Writer => Writer;

    /// <summary>
    /// Sends the 200 headers with the first flush; <paramref name="chunks"/> is the content chunk count. The stream is SSE
    /// unless <paramref name="contentType"/> names the provider's own framing, which <paramref name="errorEvent"/> then uses too.
    /// </summary>
    public static SimulatedStream Start(
        HttpContext context, GenerationSettings settings, int chunks, FaultPlan? faults, HoldGates gates, ReadOnlyMemory<byte> errorEvent,
        string contentType = SseContentType)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = contentType;
        return new SimulatedStream(context, settings, chunks, faults, gates, errorEvent);
    }

    public ValueTask WaitForChunkAsync(int chunk) => _pacer.WaitForChunkAsync(chunk, _context.RequestAborted);

    public async ValueTask<bool> FlushChunkAsync(int written)
    {
        if (!await FlushAsync())
        {
            return false;
        }

        return _faults is null || await _faults.ContinueAfterChunkAsync(_context, written, written >= _chunks, _errorEvent, _gates);
    }

    public async ValueTask<bool> FlushAsync()
    {
        return ClientGone.CanContinue(_context, await Writer.FlushAsync(_context.RequestAborted));
    }

    /// <summary>
    /// Applies the faults to a non-streaming answer and waits until its last token would have been generated.
    /// Returns false when the answer must not be written (reset, or a mid-stream error turned into a 500 already written).
    /// </summary>
    public static async ValueTask<bool> BeforeCompleteAnswerAsync(
        HttpContext context, GenerationSettings settings, int chunks, FaultPlan? faults, HoldGates gates, Func<HttpContext, int, Task> writeError)
    {
        if (faults is not null)
        {
            if (!await faults.ContinueBeforeBodyAsync(context, gates))
            {
                return false;
            }

            if (faults.MidstreamErrorAfter is not null)
            {
                await writeError(context, StatusCodes.Status500InternalServerError);
                return false;
            }
        }

        var pacer = Pacer.Start(settings.TimeToFirstTokenMs, settings.InterTokenIntervalMs);
        await pacer.WaitForChunkAsync(Math.Max(0, chunks - 1), context.RequestAborted);
        return true;
    }
}
