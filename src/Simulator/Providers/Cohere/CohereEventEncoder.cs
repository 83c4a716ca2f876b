using System.Buffers;
using MassRouter.Simulator.Generation;
using MassRouter.Simulator.Providers.OpenAI;

namespace MassRouter.Simulator.Providers.Cohere;

/// <summary>
/// Writes a generated answer as Cohere's v2 event stream: message-start, content-start/delta/end per thinking or text
/// block, tool-call-start/delta/end for a tool call, message-end with finish reason and usage, then <c>data: [DONE]</c>.
/// </summary>
internal sealed class CohereEventEncoder : IAnswerStreamEncoder
{
    private readonly AnswerPlan _plan;

    public CohereEventEncoder(AnswerPlan plan) => _plan = plan;

    public void WriteStart(IBufferWriter<byte> writer)
    {
        writer.Write("event: message-start\ndata: {\"id\":"u8);
        JsonText.WriteString(writer, CohereWire.NewId());
        writer.Write(",\"type\":\"message-start\",\"delta\":{\"message\":{\"role\":\"assistant\",\"content\":[],\"tool_plan\":\"\",\"tool_calls\":[],\"citations\":[]}}}\n\n"u8);
    }

    public void WriteBlockStart(IBufferWriter<byte> writer, AnswerBlock block, int index)
    {
        if (block == AnswerBlock.ToolCall)
        {
            // Tool calls are numbered apart from content blocks; the simulator makes one call.
            writer.Write("event: tool-call-start\ndata: {\"type\":\"tool-call-start\",\"index\":0,\"delta\":{\"message\":{\"tool_calls\":{\"id\":"u8);
            JsonText.WriteString(writer, CohereWire.NewToolCallId(_plan.Tool!.Name));
            writer.Write(",\"type\":\"function\",\"function\":{\"name\":"u8);
            JsonText.WriteString(writer, _plan.Tool.Name);
            writer.Write(",\"arguments\":\"\"}}}}}\n\n"u8);
            return;
        }

        writer.Write("event: content-start\ndata: {\"type\":\"content-start\",\"index\":"u8);
        OpenAIWire.WriteNumber(writer, index);
        writer.Write(block == AnswerBlock.Thinking
            ? ",\"delta\":{\"message\":{\"content\":{\"type\":\"thinking\",\"thinking\":\"\"}}}}\n\n"u8
            : ",\"delta\":{\"message\":{\"content\":{\"type\":\"text\",\"text\":\"\"}}}}\n\n"u8);
    }

    public void WriteTokens(IBufferWriter<byte> writer, AnswerBlock block, int index, int first, int count)
    {
        writer.Write("event: content-delta\ndata: {\"type\":\"content-delta\",\"index\":"u8);
        OpenAIWire.WriteNumber(writer, index);
        writer.Write(block == AnswerBlock.Thinking
            ? ",\"delta\":{\"message\":{\"content\":{\"thinking\":\""u8
            : ",\"delta\":{\"message\":{\"content\":{\"text\":\""u8);
        JsonText.WriteTokens(writer, first, count);
        writer.Write("\"}}}}\n\n"u8);
    }

    public void WriteToolFragment(IBufferWriter<byte> writer, int index, ReadOnlySpan<byte> fragment)
    {
        writer.Write("event: tool-call-delta\ndata: {\"type\":\"tool-call-delta\",\"index\":0,\"delta\":{\"message\":{\"tool_calls\":{\"function\":{\"arguments\":\""u8);
        JsonText.WriteEscaped(writer, fragment);
        writer.Write("\"}}}}}\n\n"u8);
    }

    public void WriteBlockEnd(IBufferWriter<byte> writer, AnswerBlock block, int index)
    {
        if (block == AnswerBlock.ToolCall)
        {
            writer.Write("event: tool-call-end\ndata: {\"type\":\"tool-call-end\",\"index\":0}\n\n"u8);
            return;
        }

        writer.Write("event: content-end\ndata: {\"type\":\"content-end\",\"index\":"u8);
        OpenAIWire.WriteNumber(writer, index);
        writer.Write("}\n\n"u8);
    }

    public void WriteFinish(IBufferWriter<byte> writer)
    {
        writer.Write("event: message-end\ndata: {\"type\":\"message-end\",\"delta\":{\"finish_reason\":"u8);
        writer.Write(CohereWire.FinishReason(_plan));
        writer.Write(",\"usage\":"u8);
        CohereWire.WriteUsage(writer, _plan.PromptTokens, _plan.OutputTokens);
        writer.Write("}}\n\ndata: [DONE]\n\n"u8);
    }
}
