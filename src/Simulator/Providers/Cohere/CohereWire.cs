using System.Buffers;
using MassRouter.Simulator.Generation;
using MassRouter.Simulator.Providers.OpenAI;

namespace MassRouter.Simulator.Providers.Cohere;

/// <summary>Ids, finish reasons and the usage object of Cohere's v2 chat wire format.</summary>
internal static class CohereWire
{
    private static readonly char[] _callIdAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789".ToCharArray();

    public static string NewId() => Guid.NewGuid().ToString("D");

    /// <summary>"{tool name}_" plus 12 characters, like the recorded tool call ids.</summary>
    public static string NewToolCallId(string toolName) => toolName + "_" + new string(Random.Shared.GetItems(_callIdAlphabet, 12));

    public static ReadOnlySpan<byte> FinishReason(AnswerPlan plan) =>
        plan.Tool is not null ? "\"TOOL_CALL\""u8 : plan.Truncated ? "\"MAX_TOKENS\""u8 : "\"COMPLETE\""u8;

    public static void WriteUsage(IBufferWriter<byte> writer, int inputTokens, int outputTokens)
    {
        writer.Write("{\"billed_units\":{\"input_tokens\":"u8);
        OpenAIWire.WriteNumber(writer, inputTokens);
        writer.Write(",\"output_tokens\":"u8);
        OpenAIWire.WriteNumber(writer, outputTokens);
        writer.Write("},\"tokens\":{\"input_tokens\":"u8);
        OpenAIWire.WriteNumber(writer, inputTokens);
        writer.Write(",\"output_tokens\":"u8);
        OpenAIWire.WriteNumber(writer, outputTokens);
        writer.Write("}}"u8);
    }
}
