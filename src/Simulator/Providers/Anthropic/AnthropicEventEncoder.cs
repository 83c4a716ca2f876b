using System.Buffers;
using MassRouter.Simulator.Generation;
using MassRouter.Simulator.Providers.OpenAI;

namespace MassRouter.Simulator.Providers.Anthropic;

/// <summary>
/// Writes a generated answer as Anthropic's event stream: message_start, content_block_start/delta/stop per block
/// (a ping after the first block starts, as Anthropic sends it), message_delta with the final usage, message_stop.
/// </summary>
internal sealed class AnthropicEventEncoder : IAnswerStreamEncoder
{
    private readonly string _model;
    private readonly AnswerPlan _plan;

    public AnthropicEventEncoder(string model, AnswerPlan plan)
    {
        _model = model;
        _plan = plan;
    }

    public void WriteStart(IBufferWriter<byte> writer)
    {
        writer.Write("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":"u8);
        JsonText.WriteString(writer, _model);
        writer.Write(",\"id\":\""u8);
        AnthropicWire.WriteMessageId(writer);
        writer.Write("\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":"u8);
        AnthropicWire.WriteUsage(writer, _plan.PromptTokens, 1);
        writer.Write("}}\n\n"u8);
    }

    public void WriteBlockStart(IBufferWriter<byte> writer, AnswerBlock block, int index)
    {
        writer.Write("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":"u8);
        OpenAIWire.WriteNumber(writer, index);
        switch (block)
        {
            case AnswerBlock.Thinking:
                writer.Write(",\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n\n"u8);
                break;
            case AnswerBlock.Text:
                writer.Write(",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"u8);
                break;
            default:
                writer.Write(",\"content_block\":{\"type\":\"tool_use\",\"id\":\""u8);
                AnthropicWire.WriteToolUseId(writer);
                writer.Write("\",\"name\":"u8);
                JsonText.WriteString(writer, _plan.Tool!.Name);
                writer.Write(",\"input\":{},\"caller\":{\"type\":\"direct\"}}}\n\n"u8);

                // Anthropic opens every tool_use block with an empty input_json_delta (see the recorded streams).
                WriteDeltaPrefix(writer, index);
                writer.Write("{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}\n\n"u8);
                break;
        }

        if (index == 0)
        {
            writer.Write("event: ping\ndata: {\"type\": \"ping\"}\n\n"u8);
        }
    }

    public void WriteTokens(IBufferWriter<byte> writer, AnswerBlock block, int index, int first, int count)
    {
        WriteDeltaPrefix(writer, index);
        writer.Write(block == AnswerBlock.Thinking
            ? "{\"type\":\"thinking_delta\",\"thinking\":\""u8
            : "{\"type\":\"text_delta\",\"text\":\""u8);
        JsonText.WriteTokens(writer, first, count);
        writer.Write("\"}}\n\n"u8);
    }

    public void WriteToolFragment(IBufferWriter<byte> writer, int index, ReadOnlySpan<byte> fragment)
    {
        WriteDeltaPrefix(writer, index);
        writer.Write("{\"type\":\"input_json_delta\",\"partial_json\":\""u8);
        JsonText.WriteEscaped(writer, fragment);
        writer.Write("\"}}\n\n"u8);
    }

    public void WriteBlockEnd(IBufferWriter<byte> writer, AnswerBlock block, int index)
    {
        if (block == AnswerBlock.Thinking)
        {
            WriteDeltaPrefix(writer, index);
            writer.Write("{\"type\":\"signature_delta\",\"signature\":\""u8);
            writer.Write(AnthropicWire.ThinkingSignatureUtf8);
            writer.Write("\"}}\n\n"u8);
        }

        writer.Write("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":"u8);
        OpenAIWire.WriteNumber(writer, index);
        writer.Write("}\n\n"u8);
    }

    public void WriteFinish(IBufferWriter<byte> writer)
    {
        writer.Write("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"u8);
        writer.Write(AnthropicWire.StopReason(_plan));
        writer.Write(",\"stop_sequence\":null},\"usage\":"u8);
        AnthropicWire.WriteDeltaUsage(writer, _plan.PromptTokens, _plan.OutputTokens);
        writer.Write("}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"u8);
    }

    private static void WriteDeltaPrefix(IBufferWriter<byte> writer, int index)
    {
        writer.Write("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":"u8);
        OpenAIWire.WriteNumber(writer, index);
        writer.Write(",\"delta\":"u8);
    }
}
