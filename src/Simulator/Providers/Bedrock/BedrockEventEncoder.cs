using System.Buffers;
using MassRouter.Simulator.Generation;
using MassRouter.Simulator.Providers.Anthropic;
using MassRouter.Simulator.Providers.OpenAI;

namespace MassRouter.Simulator.Providers.Bedrock;

/// <summary>
/// Writes a generated answer as ConverseStream's binary event stream: messageStart, per block contentBlockStart (tool use
/// only), contentBlockDelta and contentBlockStop, then messageStop and metadata. Payload keys are in Bedrock's
/// (alphabetical) order and every payload carries the <c>"p"</c> padding. Each payload is assembled in a reused buffer and
/// framed straight into the response writer.
/// </summary>
internal sealed class BedrockEventEncoder : IAnswerStreamEncoder
{
    private static readonly byte[] _messageStart = AwsEventStream.EventHeaders("messageStart");
    private static readonly byte[] _contentBlockStart = AwsEventStream.EventHeaders("contentBlockStart");
    private static readonly byte[] _contentBlockDelta = AwsEventStream.EventHeaders("contentBlockDelta");
    private static readonly byte[] _contentBlockStop = AwsEventStream.EventHeaders("contentBlockStop");
    private static readonly byte[] _messageStop = AwsEventStream.EventHeaders("messageStop");
    private static readonly byte[] _metadata = AwsEventStream.EventHeaders("metadata");

    private readonly AnswerPlan _plan;
    private readonly long _started;
    private readonly ArrayBufferWriter<byte> _payload = new(256);

    /// <param name="plan">The answer.</param>
    /// <param name="started">When the request arrived (a Stopwatch timestamp), for metadata's latencyMs.</param>
    public BedrockEventEncoder(AnswerPlan plan, long started)
    {
        _plan = plan;
        _started = started;
    }

    public void WriteStart(IBufferWriter<byte> writer)
    {
        var payload = Begin();
        payload.Write("{"u8);
        BedrockWire.WritePadding(payload);
        payload.Write(",\"role\":\"assistant\"}"u8);
        AwsEventStream.WriteMessage(writer, _messageStart, payload.WrittenSpan);
    }

    public void WriteBlockStart(IBufferWriter<byte> writer, AnswerBlock block, int index)
    {
        // Text and reasoning blocks open with their first delta; only a tool use is announced.
        if (block != AnswerBlock.ToolCall)
        {
            return;
        }

        var payload = BeginIndexed(index);
        payload.Write(","u8);
        BedrockWire.WritePadding(payload);
        payload.Write(",\"start\":{\"toolUse\":{\"name\":"u8);
        JsonText.WriteString(payload, _plan.Tool!.Name);
        payload.Write(",\"toolUseId\":"u8);
        BedrockWire.WriteToolUseId(payload);
        payload.Write("}}}"u8);
        AwsEventStream.WriteMessage(writer, _contentBlockStart, payload.WrittenSpan);
    }

    public void WriteTokens(IBufferWriter<byte> writer, AnswerBlock block, int index, int first, int count)
    {
        var payload = BeginIndexed(index);
        payload.Write(block == AnswerBlock.Thinking ? ",\"delta\":{\"reasoningContent\":{\"text\":\""u8 : ",\"delta\":{\"text\":\""u8);
        JsonText.WriteTokens(payload, first, count);
        payload.Write(block == AnswerBlock.Thinking ? "\"}}"u8 : "\"}"u8);
        EndDelta(writer, payload);
    }

    public void WriteToolFragment(IBufferWriter<byte> writer, int index, ReadOnlySpan<byte> fragment)
    {
        var payload = BeginIndexed(index);
        payload.Write(",\"delta\":{\"toolUse\":{\"input\":\""u8);
        JsonText.WriteEscaped(payload, fragment);
        payload.Write("\"}}"u8);
        EndDelta(writer, payload);
    }

    public void WriteBlockEnd(IBufferWriter<byte> writer, AnswerBlock block, int index)
    {
        ArrayBufferWriter<byte> payload;
        if (block == AnswerBlock.Thinking)
        {
            payload = BeginIndexed(index);
            payload.Write(",\"delta\":{\"reasoningContent\":{\"signature\":\""u8);
            payload.Write(AnthropicWire.ThinkingSignatureUtf8);
            payload.Write("\"}}"u8);
            EndDelta(writer, payload);
        }

        payload = BeginIndexed(index);
        payload.Write(","u8);
        BedrockWire.WritePadding(payload);
        payload.Write("}"u8);
        AwsEventStream.WriteMessage(writer, _contentBlockStop, payload.WrittenSpan);
    }

    public void WriteFinish(IBufferWriter<byte> writer)
    {
        var payload = Begin();
        payload.Write("{"u8);
        BedrockWire.WritePadding(payload);
        payload.Write(",\"stopReason\":"u8);
        payload.Write(BedrockWire.StopReason(_plan));
        payload.Write("}"u8);
        AwsEventStream.WriteMessage(writer, _messageStop, payload.WrittenSpan);

        payload = Begin();
        payload.Write("{\"metrics\":"u8);
        BedrockWire.WriteMetrics(payload, _started);
        payload.Write(","u8);
        BedrockWire.WritePadding(payload);
        payload.Write(",\"usage\":"u8);
        BedrockWire.WriteUsage(payload, _plan, cacheCounters: false);
        payload.Write("}"u8);
        AwsEventStream.WriteMessage(writer, _metadata, payload.WrittenSpan);
    }

    private ArrayBufferWriter<byte> Begin()
    {
        _payload.ResetWrittenCount();
        return _payload;
    }

    private ArrayBufferWriter<byte> BeginIndexed(int index)
    {
        var payload = Begin();
        payload.Write("{\"contentBlockIndex\":"u8);
        OpenAIWire.WriteNumber(payload, index);
        return payload;
    }

    /// <summary>Closes a contentBlockDelta payload whose delta object is written: padding, then the frame.</summary>
    private void EndDelta(IBufferWriter<byte> writer, ArrayBufferWriter<byte> payload)
    {
        payload.Write(","u8);
        BedrockWire.WritePadding(payload);
        payload.Write("}"u8);
        AwsEventStream.WriteMessage(writer, _contentBlockDelta, payload.WrittenSpan);
    }
}
