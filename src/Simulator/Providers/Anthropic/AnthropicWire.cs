using System.Buffers;
using MassRouter.Simulator.Providers.OpenAI;

namespace MassRouter.Simulator.Providers.Anthropic;

/// <summary>Ids and the usage object of Anthropic's Messages wire format.</summary>
internal static class AnthropicWire
{
    /// <summary>What the simulator signs thinking blocks with; clients only pass it back.</summary>
    public const string ThinkingSignature = "U2ltdWxhdGVkIHRoaW5raW5nIHNpZ25hdHVyZSBmcm9tIHRoZSBNYXNzUm91dGVyIHNpbXVsYXRvcg==";

    public static ReadOnlySpan<byte> ThinkingSignatureUtf8 => "U2ltdWxhdGVkIHRoaW5raW5nIHNpZ25hdHVyZSBmcm9tIHRoZSBNYXNzUm91dGVyIHNpbXVsYXRvcg=="u8;

    private static readonly byte[] _idAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789"u8.ToArray();

    /// <summary>"msg_01" plus 22 characters, like the ids in the recorded messages.</summary>
    public static void WriteMessageId(IBufferWriter<byte> writer) => WriteId(writer, "msg_01"u8, 22);

    public static void WriteToolUseId(IBufferWriter<byte> writer) => WriteId(writer, "toolu_01"u8, 22);

    public static string NewRequestId()
    {
        var buffer = new ArrayBufferWriter<byte>(32);
        WriteId(buffer, "req_011C"u8, 20);
        return System.Text.Encoding.ASCII.GetString(buffer.WrittenSpan);
    }

    /// <summary>The usage object of a message (and of message_start), in the recorded field order.</summary>
    public static void WriteUsage(IBufferWriter<byte> writer, int inputTokens, int outputTokens)
    {
        writer.Write("{\"input_tokens\":"u8);
        OpenAIWire.WriteNumber(writer, inputTokens);
        writer.Write(",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"cache_creation\":{\"ephemeral_5m_input_tokens\":0,\"ephemeral_1h_input_tokens\":0},\"output_tokens\":"u8);
        OpenAIWire.WriteNumber(writer, outputTokens);
        writer.Write(",\"service_tier\":\"standard\"}"u8);
    }

    /// <summary>The cumulative usage of message_delta, in the recorded field order.</summary>
    public static void WriteDeltaUsage(IBufferWriter<byte> writer, int inputTokens, int outputTokens)
    {
        writer.Write("{\"input_tokens\":"u8);
        OpenAIWire.WriteNumber(writer, inputTokens);
        writer.Write(",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":"u8);
        OpenAIWire.WriteNumber(writer, outputTokens);
        writer.Write("}"u8);
    }

    public static ReadOnlySpan<byte> StopReason(Generation.AnswerPlan plan) =>
        plan.Tool is not null ? "\"tool_use\""u8 : plan.Truncated ? "\"max_tokens\""u8 : "\"end_turn\""u8;

    private static void WriteId(IBufferWriter<byte> writer, ReadOnlySpan<byte> prefix, int length)
    {
        writer.Write(prefix);
        var span = writer.GetSpan(length)[..length];
        Random.Shared.GetItems(_idAlphabet, span);
        writer.Advance(length);
    }
}
