using System.Buffers;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.Anthropic;

/// <summary>Writes a non-streaming message body, in the field order of anthropic/anthropic-text.json.</summary>
internal static class AnthropicMessageEncoder
{
    public static void Write(IBufferWriter<byte> writer, string model, AnswerPlan plan)
    {
        writer.Write("{\"model\":"u8);
        JsonText.WriteString(writer, model);
        writer.Write(",\"id\":\""u8);
        AnthropicWire.WriteMessageId(writer);
        writer.Write("\",\"type\":\"message\",\"role\":\"assistant\",\"content\":["u8);
        var separator = false;
        if (plan.ThinkingTokens > 0)
        {
            writer.Write("{\"type\":\"thinking\",\"thinking\":\""u8);
            JsonText.WriteTokens(writer, 0, plan.ThinkingTokens);
            writer.Write("\",\"signature\":"u8);
            JsonText.WriteString(writer, AnthropicWire.ThinkingSignature);
            writer.Write("}"u8);
            separator = true;
        }

        if (plan.Tool is { } tool)
        {
            writer.Write(separator ? ",{\"type\":\"tool_use\",\"id\":\""u8 : "{\"type\":\"tool_use\",\"id\":\""u8);
            AnthropicWire.WriteToolUseId(writer);
            writer.Write("\",\"name\":"u8);
            JsonText.WriteString(writer, tool.Name);
            writer.Write(",\"input\":"u8);
            writer.Write(tool.Arguments);

            // Today's API names who invoked the tool; the official SDK requires the field when it validates.
            writer.Write(",\"caller\":{\"type\":\"direct\"}}"u8);
        }
        else if (plan.TextTokens > 0)
        {
            writer.Write(separator ? ",{\"type\":\"text\",\"text\":\""u8 : "{\"type\":\"text\",\"text\":\""u8);
            JsonText.WriteTokens(writer, 0, plan.TextTokens);
            writer.Write("\"}"u8);
        }

        writer.Write("],\"stop_reason\":"u8);
        writer.Write(AnthropicWire.StopReason(plan));
        writer.Write(",\"stop_sequence\":null,\"usage\":"u8);
        AnthropicWire.WriteUsage(writer, plan.PromptTokens, plan.OutputTokens);
        writer.Write("}"u8);
    }
}
