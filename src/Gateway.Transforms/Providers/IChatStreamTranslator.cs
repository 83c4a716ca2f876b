using System.Buffers;
using MassRouter.Gateway.Transforms.Sse;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Providers;

/// <summary>
/// The per-stream state machine turning provider SSE events into OpenAI chunk events. Feed every event to
/// <see cref="Translate"/>, then call <see cref="Complete"/> once the upstream body has ended.
/// </summary>
public interface IChatStreamTranslator : IDisposable
{
    /// <summary>Usage as the provider finally reported it (cumulative figures resolved).</summary>
    TokenUsage Usage { get; }

    /// <summary>True once the client stream has been ended (normally or with an error event).</summary>
    bool IsFinished { get; }

    /// <summary>Why the stream ended with an error event, for logging; null when it did not.</summary>
    string? Failure { get; }

    /// <summary>Translates one event; returns true when it carried generated output (content, reasoning, tool call).</summary>
    bool Translate(in SseEvent sseEvent, IBufferWriter<byte> output);

    /// <summary>The upstream body ended: finishes the client stream, with an error event if it was cut short.</summary>
    void Complete(IBufferWriter<byte> output);
}
