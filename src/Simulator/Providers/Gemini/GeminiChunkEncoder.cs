using System.Buffers;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.Gemini;

/// <summary>
/// Writes a generated answer as streamGenerateContent chunks: every chunk is a whole GenerateContentResponse with one
/// part and the usage so far (Gemini repeats cumulative usage on every chunk); the last one carries the finishReason.
/// With <c>alt=sse</c> each chunk is an SSE event ending in CRLF CRLF, otherwise the chunks form one JSON array.
/// </summary>
internal sealed class GeminiChunkEncoder : IAnswerStreamEncoder
{
    private readonly byte[] _suffix;
    private readonly AnswerPlan _plan;
    private readonly bool _sse;
    private bool _first = true;
    private int _candidatesTokens;
    private int _thoughtsTokens;

    public GeminiChunkEncoder(string model, AnswerPlan plan, bool sse)
    {
        _plan = plan;
        _sse = sse;
        var suffix = new ArrayBufferWriter<byte>(64);
        suffix.Write(",\"modelVersion\": "u8);
        JsonText.WriteString(suffix, model);
        suffix.Write(",\"responseId\": "u8);
        JsonText.WriteString(suffix, GeminiWire.NewResponseId());
        suffix.Write(sse ? "}\r\n\r\n"u8 : "}"u8);
        _suffix = suffix.WrittenSpan.ToArray();
    }

    public void WriteStart(IBufferWriter<byte> writer)
    {
    }

    public void WriteBlockStart(IBufferWriter<byte> writer, AnswerBlock block, int index)
    {
    }

    public void WriteTokens(IBufferWriter<byte> writer, AnswerBlock block, int index, int first, int count)
    {
        if (block == AnswerBlock.Thinking)
        {
            _thoughtsTokens += count;
        }
        else
        {
            _candidatesTokens += count;
        }

        WritePrefix(writer);
        writer.Write("{\"text\": \""u8);
        JsonText.WriteTokens(writer, first, count);
        writer.Write(block == AnswerBlock.Thinking ? "\",\"thought\": true}"u8 : "\"}"u8);
        WriteCandidateEnd(writer, finishReason: default);
    }

    public void WriteToolFragment(IBufferWriter<byte> writer, int index, ReadOnlySpan<byte> fragment)
    {
        var tool = _plan.Tool!;
        _candidatesTokens += tool.Tokens;
        WritePrefix(writer);
        writer.Write("{\"functionCall\": {\"name\": "u8);
        JsonText.WriteString(writer, tool.Name);
        writer.Write(",\"args\": "u8);
        writer.Write(fragment);
        writer.Write("}}"u8);
        WriteCandidateEnd(writer, finishReason: default);
    }

    public void WriteBlockEnd(IBufferWriter<byte> writer, AnswerBlock block, int index)
    {
    }

    public void WriteFinish(IBufferWriter<byte> writer)
    {
        WritePrefix(writer);
        writer.Write("{\"text\": \"\"}"u8);
        WriteCandidateEnd(writer, _plan.Truncated ? "\"MAX_TOKENS\""u8 : "\"STOP\""u8);
        if (!_sse)
        {
            writer.Write("]"u8);
        }
    }

    private void WritePrefix(IBufferWriter<byte> writer)
    {
        writer.Write(_sse ? "data: "u8 : _first ? "["u8 : ",\r\n"u8);
        _first = false;
        writer.Write("{\"candidates\": [{\"content\": {\"parts\": ["u8);
    }

    private void WriteCandidateEnd(IBufferWriter<byte> writer, ReadOnlySpan<byte> finishReason)
    {
        writer.Write("],\"role\": \"model\"}"u8);
        if (!finishReason.IsEmpty)
        {
            writer.Write(",\"finishReason\": "u8);
            writer.Write(finishReason);
        }

        writer.Write(",\"index\": 0}],\"usageMetadata\": "u8);
        GeminiWire.WriteUsage(writer, _plan.PromptTokens, _candidatesTokens, _thoughtsTokens);
        writer.Write(_suffix);
    }
}
