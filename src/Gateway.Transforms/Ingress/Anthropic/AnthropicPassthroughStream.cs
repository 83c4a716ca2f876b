using System.Buffers;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Sse;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Ingress.Anthropic;

/// <summary>An Anthropic event stream relayed event by event as received, with usage read off message_start and message_delta.</summary>
internal sealed class AnthropicPassthroughStream : IChatStreamTranslator
{
    private TokenUsage _usage;

    public TokenUsage Usage => _usage;

    public bool IsFinished { get; private set; }

    public string? Failure { get; private set; }

    public bool Translate(in SseEvent sseEvent, IBufferWriter<byte> output)
    {
        if (IsFinished)
        {
            return false;
        }

        output.Write(sseEvent.Raw);
        if (sseEvent.EventType.SequenceEqual("message_stop"u8))
        {
            IsFinished = true;
        }
        else if (sseEvent.EventType.SequenceEqual("error"u8))
        {
            IsFinished = true;
            Failure = "provider error event";
        }

        return sseEvent.HasData && AnthropicUsageReader.Read(sseEvent.Data, ref _usage);
    }

    public void Complete(IBufferWriter<byte> output)
    {
        if (IsFinished)
        {
            return;
        }

        // The connection ended cleanly but the message never did: say so rather than leave the client waiting for message_stop.
        Failure = "stream ended before message_stop";
        AnthropicErrorWriter.WriteEvent(output, "api_error", "The provider's stream ended before the answer was complete.");
        IsFinished = true;
    }

    public void Dispose()
    {
    }
}
