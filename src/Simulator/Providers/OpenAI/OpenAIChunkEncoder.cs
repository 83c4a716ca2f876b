using System.Buffers;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// Writes the SSE events of one generated <c>chat.completion.chunk</c> stream. The per-stream part of every event
/// (<c>data: {"id":...,"choices":</c>) is encoded once; each event then only copies pre-encoded spans.
/// </summary>
internal sealed class OpenAIChunkEncoder
{
    private readonly byte[] _prefix;
    private readonly bool _includeUsage;

    public OpenAIChunkEncoder(string model, bool includeUsage)
    {
        var prefix = new ArrayBufferWriter<byte>(192);
        prefix.Write("data: {\"id\":\""u8);
        OpenAIWire.WriteId(prefix);
        prefix.Write("\",\"object\":\"chat.completion.chunk\",\"created\":"u8);
        OpenAIWire.WriteNumber(prefix, OpenAIWire.Now());
        prefix.Write(",\"model\":"u8);
        OpenAIWire.WriteString(prefix, model);
        prefix.Write(",\"system_fingerprint\":\"fp_sim\",\"choices\":"u8);
        _prefix = prefix.WrittenSpan.ToArray();
        _includeUsage = includeUsage;
    }

    public void WriteRole(IBufferWriter<byte> writer)
    {
        writer.Write(_prefix);
        writer.Write("[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}]"u8);
        WriteEnd(writer);
    }

    public void WriteContent(IBufferWriter<byte> writer, int firstToken, int count)
    {
        writer.Write(_prefix);
        writer.Write("[{\"index\":0,\"delta\":{\"content\":\""u8);
        for (var i = firstToken; i < firstToken + count; i++)
        {
            writer.Write(TokenVocabulary.Get(i));
        }

        writer.Write("\"},\"logprobs\":null,\"finish_reason\":null}]"u8);
        WriteEnd(writer);
    }

    public void WriteFinish(IBufferWriter<byte> writer, bool truncated)
    {
        writer.Write(_prefix);
        writer.Write(truncated
            ? "[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"length\"}]"u8
            : "[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]"u8);
        WriteEnd(writer);
    }

    public void WriteUsage(IBufferWriter<byte> writer, int promptTokens, int completionTokens)
    {
        writer.Write(_prefix);
        writer.Write("[],\"usage\":"u8);
        OpenAIWire.WriteUsage(writer, promptTokens, completionTokens);
        writer.Write("}\n\n"u8);
    }

    public static void WriteDone(IBufferWriter<byte> writer) => writer.Write("data: [DONE]\n\n"u8);

    private void WriteEnd(IBufferWriter<byte> writer) =>
        writer.Write(_includeUsage ? ",\"usage\":null}\n\n"u8 : "}\n\n"u8);
}
