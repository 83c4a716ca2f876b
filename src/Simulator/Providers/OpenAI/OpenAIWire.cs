using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>Pre-encoded fragments of OpenAI's chat-completions wire format and the writers that assemble them.</summary>
internal static class OpenAIWire
{
    public const string SystemFingerprint = "fp_sim";

    private static readonly byte[] _idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"u8.ToArray();

    /// <summary>"chatcmpl-" plus 29 random characters, the length OpenAI's ids have.</summary>
    public static void WriteId(IBufferWriter<byte> writer)
    {
        writer.Write("chatcmpl-"u8);
        var span = writer.GetSpan(29)[..29];
        Random.Shared.GetItems(_idAlphabet, span);
        writer.Advance(29);
    }

    /// <summary>"call_" plus 24 random characters, as OpenAI's tool call ids are.</summary>
    public static void WriteToolCallId(IBufferWriter<byte> writer)
    {
        writer.Write("call_"u8);
        var span = writer.GetSpan(24)[..24];
        Random.Shared.GetItems(_idAlphabet, span);
        writer.Advance(24);
    }

    /// <summary>Writes a value (a model, a tool's name) as a quoted JSON string, non-ASCII escaped as OpenAI does.</summary>
    public static void WriteString(IBufferWriter<byte> writer, string value)
    {
        writer.Write("\""u8);
        writer.Write(JsonEncodedText.Encode(value).EncodedUtf8Bytes);
        writer.Write("\""u8);
    }

    public static void WriteNumber(IBufferWriter<byte> writer, long value)
    {
        var span = writer.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        writer.Advance(written);
    }

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>The full usage object, with every detail field OpenAI sends today.</summary>
    public static void WriteUsage(IBufferWriter<byte> writer, int promptTokens, int completionTokens)
    {
        writer.Write("{\"prompt_tokens\":"u8);
        WriteNumber(writer, promptTokens);
        writer.Write(",\"completion_tokens\":"u8);
        WriteNumber(writer, completionTokens);
        writer.Write(",\"total_tokens\":"u8);
        WriteNumber(writer, (long)promptTokens + completionTokens);
        writer.Write(
            ",\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}"u8);
    }

    /// <summary>Body of <c>GET /v1/models</c>.</summary>
    public static ReadOnlyMemory<byte> ModelList { get; } =
        """{"object":"list","data":[{"id":"gpt-4o","object":"model","created":1715367049,"owned_by":"system"},{"id":"gpt-4o-mini","object":"model","created":1721172741,"owned_by":"system"},{"id":"gpt-4.1-nano","object":"model","created":1744321707,"owned_by":"system"}]}"""u8.ToArray();
}
