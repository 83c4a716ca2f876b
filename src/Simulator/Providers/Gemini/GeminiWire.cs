using System.Buffers;
using MassRouter.Simulator.Providers.OpenAI;

namespace MassRouter.Simulator.Providers.Gemini;

/// <summary>Pieces of Gemini's generateContent wire format shared by streamed and complete answers.</summary>
internal static class GeminiWire
{
    private static readonly char[] _idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".ToCharArray();

    /// <summary>A 23-character response id, like the recorded ones.</summary>
    public static string NewResponseId() => new(Random.Shared.GetItems(_idAlphabet, 23));

    /// <summary>
    /// The usageMetadata object in the recorded streams' spacing (<c>"key": value</c>). Zero counts are left out, as
    /// Google leaves them out.
    /// </summary>
    public static void WriteUsage(IBufferWriter<byte> writer, int promptTokens, int candidatesTokens, int thoughtsTokens)
    {
        writer.Write("{\"promptTokenCount\": "u8);
        OpenAIWire.WriteNumber(writer, promptTokens);
        if (candidatesTokens > 0)
        {
            writer.Write(",\"candidatesTokenCount\": "u8);
            OpenAIWire.WriteNumber(writer, candidatesTokens);
        }

        writer.Write(",\"totalTokenCount\": "u8);
        OpenAIWire.WriteNumber(writer, (long)promptTokens + candidatesTokens + thoughtsTokens);
        writer.Write(",\"promptTokensDetails\": [{\"modality\": \"TEXT\",\"tokenCount\": "u8);
        OpenAIWire.WriteNumber(writer, promptTokens);
        writer.Write("}]"u8);
        if (thoughtsTokens > 0)
        {
            writer.Write(",\"thoughtsTokenCount\": "u8);
            OpenAIWire.WriteNumber(writer, thoughtsTokens);
        }

        writer.Write("}"u8);
    }
}
