using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>Pre-encoded fragments of OpenAI's chat-completions (and legacy completions) wire format and the writers that assemble them.</summary>
internal static class OpenAIWire
{
    public const string SystemFingerprint = "fp_sim";

    private static readonly byte[] _idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"u8.ToArray();

    /// <summary>"chatcmpl-" plus 29 random characters, the length OpenAI's ids have.</summary>
    public static void WriteId(IBufferWriter<byte> writer) => WriteRandomId(writer, "chatcmpl-"u8, 29);

    /// <summary>"cmpl-" plus 29 random characters, as the legacy Completions API's ids are.</summary>
    public static void WriteTextCompletionId(IBufferWriter<byte> writer) => WriteRandomId(writer, "cmpl-"u8, 29);

    /// <summary>"call_" plus 24 random characters, as OpenAI's tool call ids are.</summary>
    public static void WriteToolCallId(IBufferWriter<byte> writer) => WriteRandomId(writer, "call_"u8, 24);

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
        WriteUsageCounts(writer, promptTokens, completionTokens);
        writer.Write(
            ",\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}"u8);
    }

    /// <summary>The usage object the legacy Completions API documents: the three counts, no details.</summary>
    public static void WriteTextCompletionUsage(IBufferWriter<byte> writer, int promptTokens, int completionTokens)
    {
        WriteUsageCounts(writer, promptTokens, completionTokens);
        writer.Write("}"u8);
    }

    /// <summary>The opening brace and the three counts of a usage object, left open for details.</summary>
    private static void WriteUsageCounts(IBufferWriter<byte> writer, int promptTokens, int completionTokens)
    {
        writer.Write("{\"prompt_tokens\":"u8);
        WriteNumber(writer, promptTokens);
        writer.Write(",\"completion_tokens\":"u8);
        WriteNumber(writer, completionTokens);
        writer.Write(",\"total_tokens\":"u8);
        WriteNumber(writer, (long)promptTokens + completionTokens);
    }

    private static void WriteRandomId(IBufferWriter<byte> writer, ReadOnlySpan<byte> prefix, int length)
    {
        writer.Write(prefix);
        var span = writer.GetSpan(length)[..length];
        Random.Shared.GetItems(_idAlphabet, span);
        writer.Advance(length);
    }

    /// <summary>Body of <c>GET /v1/models</c>.</summary>
    public static ReadOnlyMemory<byte> ModelList { get; } =
        """{"object":"list","data":[{"id":"gpt-4o","object":"model","created":1715367049,"owned_by":"system"},{"id":"gpt-4o-mini","object":"model","created":1721172741,"owned_by":"system"},{"id":"gpt-4.1-nano","object":"model","created":1744321707,"owned_by":"system"}]}"""u8.ToArray();
}
