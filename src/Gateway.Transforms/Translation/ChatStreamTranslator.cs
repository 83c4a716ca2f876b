using System.Buffers;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Sse;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Translation;

/// <summary>
/// What every provider stream translator shares: the chunk writer, the end of stream (usage chunk, <c>[DONE]</c>),
/// and turning malformed, truncated or failed upstream streams into one final OpenAI error event.
/// </summary>
internal abstract class ChatStreamTranslator : IChatStreamTranslator
{
    private readonly bool _includeUsage;

    protected ChatStreamTranslator(in TranslationContext context)
    {
        Chunks = new OpenAIChunkWriter(context.Model, context.Created, context.IncludeUsage);
        _includeUsage = context.IncludeUsage;
    }

    protected OpenAIChunkWriter Chunks { get; }

    protected TokenUsage CurrentUsage;

    public TokenUsage Usage
    {
        get
        {
            ResolveUsage();
            return CurrentUsage;
        }
    }

    public bool IsFinished { get; private set; }

    public string? Failure { get; private set; }

    public bool Translate(in SseEvent sseEvent, IBufferWriter<byte> output)
    {
        if (IsFinished || !sseEvent.HasData)
        {
            return false;
        }

        try
        {
            return OnEvent(sseEvent.EventType, sseEvent.Data, output);
        }
        catch (JsonException ex)
        {
            Fail(output, "The provider sent malformed stream data.", "upstream_malformed", "server_error", "malformed event: " + ex.Message);
            return false;
        }
    }

    public void Complete(IBufferWriter<byte> output)
    {
        if (!IsFinished)
        {
            OnUpstreamEnd(output);
        }
    }

    /// <summary>Translates one event's data.</summary>
    protected abstract bool OnEvent(ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data, IBufferWriter<byte> output);

    /// <summary>The upstream body ended before the provider's own end-of-stream event.</summary>
    protected virtual void OnUpstreamEnd(IBufferWriter<byte> output) =>
        Fail(output, "The provider's stream ended before it was complete.", "upstream_truncated", "server_error", "stream truncated");

    /// <summary>Brings <see cref="CurrentUsage"/> up to date for translators that defer reading usage.</summary>
    protected virtual void ResolveUsage()
    {
    }

    /// <summary>Writes the role chunk once, before the first delta.</summary>
    protected void EnsureStarted(IBufferWriter<byte> output)
    {
        if (!Chunks.Started)
        {
            Chunks.Role(output);
        }
    }

    /// <summary>The provider ended its stream normally: usage chunk when asked for, then <c>[DONE]</c>.</summary>
    protected void End(IBufferWriter<byte> output)
    {
        if (_includeUsage)
        {
            ResolveUsage();
            Chunks.Usage(output, CurrentUsage);
        }

        OpenAIChunkWriter.Done(output);
        IsFinished = true;
    }

    /// <summary>Ends the client stream with an error event.</summary>
    protected void Fail(IBufferWriter<byte> output, string message, string? code, string type, string reason)
    {
        Chunks.Error(output, message, type, code);
        Failure = reason;
        IsFinished = true;
    }

    public void Dispose()
    {
        Chunks.Dispose();
        GC.SuppressFinalize(this);
    }
}
