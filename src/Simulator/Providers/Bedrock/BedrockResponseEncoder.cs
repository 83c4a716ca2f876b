using System.Buffers;
using MassRouter.Simulator.Generation;
using MassRouter.Simulator.Providers.Anthropic;

namespace MassRouter.Simulator.Providers.Bedrock;

/// <summary>Writes a complete Converse body, keys in the order of bedrock/bedrock-converse-text.json.</summary>
internal static class BedrockResponseEncoder
{
    /// <param name="writer">Where the body goes.</param>
    /// <param name="plan">The answer.</param>
    /// <param name="started">When the request arrived (a Stopwatch timestamp), for latencyMs.</param>
    public static void Write(IBufferWriter<byte> writer, AnswerPlan plan, long started)
    {
        writer.Write("{\"metrics\":"u8);
        BedrockWire.WriteMetrics(writer, started);
        writer.Write(",\"output\":{\"message\":{\"content\":["u8);
        var separator = false;
        if (plan.ThinkingTokens > 0)
        {
            writer.Write("{\"reasoningContent\":{\"reasoningText\":{\"signature\":"u8);
            JsonText.WriteString(writer, AnthropicWire.ThinkingSignature);
            writer.Write(",\"text\":\""u8);
            JsonText.WriteTokens(writer, 0, plan.ThinkingTokens);
            writer.Write("\"}}}"u8);
            separator = true;
        }

        if (plan.Tool is { } tool)
        {
            writer.Write(separator ? ",{\"toolUse\":{\"input\":"u8 : "{\"toolUse\":{\"input\":"u8);
            writer.Write(tool.Arguments);
            writer.Write(",\"name\":"u8);
            JsonText.WriteString(writer, tool.Name);
            writer.Write(",\"toolUseId\":"u8);
            BedrockWire.WriteToolUseId(writer);
            writer.Write(",\"type\":\"tool_use\"}}"u8);
        }
        else if (plan.TextTokens > 0)
        {
            writer.Write(separator ? ",{\"text\":\""u8 : "{\"text\":\""u8);
            JsonText.WriteTokens(writer, 0, plan.TextTokens);
            writer.Write("\"}"u8);
        }

        writer.Write("],\"role\":\"assistant\"}},\"stopReason\":"u8);
        writer.Write(BedrockWire.StopReason(plan));
        writer.Write(",\"usage\":"u8);
        BedrockWire.WriteUsage(writer, plan, cacheCounters: true);
        writer.Write("}"u8);
    }
}
