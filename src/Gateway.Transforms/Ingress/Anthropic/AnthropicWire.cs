using System.Buffers;
using System.Buffers.Text;

namespace MassRouter.Gateway.Transforms.Ingress.Anthropic;

/// <summary>Small writers for hand-assembled Anthropic JSON: numbers and the usage object.</summary>
internal static class AnthropicWire
{
    public static void WriteNumber(IBufferWriter<byte> output, long value)
    {
        var span = output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        output.Advance(written);
    }

    /// <summary>
    /// Anthropic's usage object. Anthropic counts cache reads apart from input_tokens while OpenAI's prompt_tokens include
    /// them, so input_tokens is prompt minus cached.
    /// </summary>
    public static void WriteUsage(IBufferWriter<byte> output, long promptTokens, long cachedTokens, long completionTokens)
    {
        output.Write("{\"input_tokens\":"u8);
        WriteNumber(output, Math.Max(0, promptTokens - cachedTokens));
        output.Write(",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":"u8);
        WriteNumber(output, cachedTokens);
        output.Write(",\"cache_creation\":{\"ephemeral_5m_input_tokens\":0,\"ephemeral_1h_input_tokens\":0},\"output_tokens\":"u8);
        WriteNumber(output, completionTokens);
        output.Write(",\"service_tier\":\"standard\"}"u8);
    }
}
