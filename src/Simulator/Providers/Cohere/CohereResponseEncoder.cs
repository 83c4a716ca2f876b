using System.Buffers;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.Cohere;

/// <summary>Writes a complete v2 chat body, in the field order of cohere/cohere-v2-text.json.</summary>
internal static class CohereResponseEncoder
{
    public static void Write(IBufferWriter<byte> writer, AnswerPlan plan)
    {
        writer.Write("{\"id\":"u8);
        JsonText.WriteString(writer, CohereWire.NewId());
        writer.Write(",\"message\":{\"role\":\"assistant\""u8);
        if (plan.Tool is { } tool)
        {
            writer.Write(",\"tool_plan\":\"I will use the "u8);
            JsonText.WriteEscaped(writer, System.Text.Encoding.UTF8.GetBytes(tool.Name));
            writer.Write(" tool.\",\"tool_calls\":[{\"id\":"u8);
            JsonText.WriteString(writer, CohereWire.NewToolCallId(tool.Name));
            writer.Write(",\"type\":\"function\",\"function\":{\"name\":"u8);
            JsonText.WriteString(writer, tool.Name);
            writer.Write(",\"arguments\":\""u8);
            JsonText.WriteEscaped(writer, tool.Arguments);
            writer.Write("\"}}]"u8);
        }

        if (plan.ThinkingTokens > 0 || plan.TextTokens > 0)
        {
            writer.Write(",\"content\":["u8);
            if (plan.ThinkingTokens > 0)
            {
                writer.Write("{\"type\":\"thinking\",\"thinking\":\""u8);
                JsonText.WriteTokens(writer, 0, plan.ThinkingTokens);
                writer.Write(plan.TextTokens > 0 ? "\"},"u8 : "\"}"u8);
            }

            if (plan.TextTokens > 0)
            {
                writer.Write("{\"type\":\"text\",\"text\":\""u8);
                JsonText.WriteTokens(writer, 0, plan.TextTokens);
                writer.Write("\"}"u8);
            }

            writer.Write("]"u8);
        }

        writer.Write("},\"finish_reason\":"u8);
        writer.Write(CohereWire.FinishReason(plan));
        writer.Write(",\"usage\":"u8);
        CohereWire.WriteUsage(writer, plan.PromptTokens, plan.OutputTokens);
        writer.Write("}"u8);
    }
}
