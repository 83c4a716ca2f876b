using System.Buffers;
using MassRouter.Simulator.Generation;
using MassRouter.Simulator.Providers.OpenAI;

namespace MassRouter.Simulator.Providers.Bedrock;

/// <summary>Ids, stop reasons, the usage object and the payload padding of the Converse wire format.</summary>
internal static class BedrockWire
{
    public const string RequestIdHeader = "x-amzn-RequestId";

    private const int ToolUseIdLength = 22;

    private static readonly byte[] _idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"u8.ToArray();

    // Bedrock pads every stream payload with "p": a prefix of this alphabet of varying length (see the nova recording).
    private static readonly byte[] _padding = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"u8.ToArray();

    public static string NewRequestId() => Guid.NewGuid().ToString("D");

    /// <summary>"tooluse_" plus 22 characters, like the recorded toolUseId.</summary>
    public static void WriteToolUseId(IBufferWriter<byte> writer)
    {
        writer.Write("\"tooluse_"u8);
        var span = writer.GetSpan(ToolUseIdLength)[..ToolUseIdLength];
        Random.Shared.GetItems(_idAlphabet, span);
        writer.Advance(ToolUseIdLength);
        writer.Write("\""u8);
    }

    /// <summary>Writes <c>"p":"abc..."</c> (no separator) with 1 to 62 characters.</summary>
    public static void WritePadding(IBufferWriter<byte> writer)
    {
        writer.Write("\"p\":\""u8);
        writer.Write(_padding.AsSpan(0, Random.Shared.Next(1, _padding.Length + 1)));
        writer.Write("\""u8);
    }

    public static ReadOnlySpan<byte> StopReason(AnswerPlan plan) =>
        plan.Tool is not null ? "\"tool_use\""u8 : plan.Truncated ? "\"max_tokens\""u8 : "\"end_turn\""u8;

    /// <summary>
    /// The usage object, keys in Bedrock's (alphabetical) order. Converse reports the cache counters under both of their
    /// names; ConverseStream's metadata, as recorded, has none of them.
    /// </summary>
    public static void WriteUsage(IBufferWriter<byte> writer, AnswerPlan plan, bool cacheCounters)
    {
        writer.Write(cacheCounters
            ? "{\"cacheReadInputTokenCount\":0,\"cacheReadInputTokens\":0,\"cacheWriteInputTokenCount\":0,\"cacheWriteInputTokens\":0,\"inputTokens\":"u8
            : "{\"inputTokens\":"u8);
        OpenAIWire.WriteNumber(writer, plan.PromptTokens);
        writer.Write(",\"outputTokens\":"u8);
        OpenAIWire.WriteNumber(writer, plan.OutputTokens);
        writer.Write(",\"serverToolUsage\":{},\"totalTokens\":"u8);
        OpenAIWire.WriteNumber(writer, (long)plan.PromptTokens + plan.OutputTokens);
        writer.Write("}"u8);
    }

    /// <summary><c>{"latencyMs":N}</c>, the time since <paramref name="started"/> (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public static void WriteMetrics(IBufferWriter<byte> writer, long started)
    {
        writer.Write("{\"latencyMs\":"u8);
        OpenAIWire.WriteNumber(writer, (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        writer.Write("}"u8);
    }
}
