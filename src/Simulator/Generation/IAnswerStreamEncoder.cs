using System.Buffers;

namespace MassRouter.Simulator.Generation;

/// <summary>One provider's framing of a generated answer stream; <see cref="AnswerStreamer"/> decides the order and pacing.</summary>
internal interface IAnswerStreamEncoder
{
    /// <summary>The events before any content (e.g. Anthropic's message_start); may write nothing.</summary>
    void WriteStart(IBufferWriter<byte> writer);

    /// <summary>Opens content block <paramref name="index"/>; providers without blocks write nothing.</summary>
    void WriteBlockStart(IBufferWriter<byte> writer, AnswerBlock block, int index);

    /// <summary>Writes tokens [first, first + count) of a thinking or text block.</summary>
    void WriteTokens(IBufferWriter<byte> writer, AnswerBlock block, int index, int first, int count);

    /// <summary>Writes one fragment of the tool call's arguments.</summary>
    void WriteToolFragment(IBufferWriter<byte> writer, int index, ReadOnlySpan<byte> fragment);

    void WriteBlockEnd(IBufferWriter<byte> writer, AnswerBlock block, int index);

    /// <summary>The closing events: finish reason, final usage, end-of-stream marker.</summary>
    void WriteFinish(IBufferWriter<byte> writer);
}
