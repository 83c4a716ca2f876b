using System.Buffers;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// Writes the SSE events of one generated <c>chat.completion.chunk</c> stream, one choice per event as OpenAI sends them
/// (openai/openai-chat-stream-n3-multiple-choices-interleaved.sse; tool calls as in
/// openai/openai-chat-stream-tool-call-arg-fragments-include-usage.sse). The per-stream part of every event
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

    /// <summary>The first event of choice <paramref name="choice"/> of a text answer: its role and an empty content.</summary>
    public void WriteRole(IBufferWriter<byte> writer, int choice)
    {
        WriteChoiceStart(writer, choice);
        writer.Write("\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}]"u8);
        WriteEnd(writer);
    }

    /// <summary>The first event of a choice that calls a tool: its role, the call's id and name, and empty arguments.</summary>
    public void WriteToolCallStart(IBufferWriter<byte> writer, int choice, ToolCallPlan tool)
    {
        WriteChoiceStart(writer, choice);
        writer.Write("\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\""u8);
        OpenAIWire.WriteToolCallId(writer);
        writer.Write("\",\"type\":\"function\",\"function\":{\"name\":"u8);
        OpenAIWire.WriteString(writer, tool.Name);
        writer.Write(",\"arguments\":\"\"}}],\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}]"u8);
        WriteEnd(writer);
    }

    public void WriteContent(IBufferWriter<byte> writer, int choice, int firstToken, int count)
    {
        WriteChoiceStart(writer, choice);
        writer.Write("\"delta\":{\"content\":\""u8);
        JsonText.WriteTokens(writer, firstToken, count);
        writer.Write("\"},\"logprobs\":null,\"finish_reason\":null}]"u8);
        WriteEnd(writer);
    }

    /// <summary>One fragment of a tool call's arguments, a JSON string carrying raw JSON.</summary>
    public void WriteToolFragment(IBufferWriter<byte> writer, int choice, ReadOnlySpan<byte> fragment)
    {
        WriteChoiceStart(writer, choice);
        writer.Write("\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\""u8);
        JsonText.WriteEscaped(writer, fragment);
        writer.Write("\"}}]},\"logprobs\":null,\"finish_reason\":null}]"u8);
        WriteEnd(writer);
    }

    /// <summary>The last event of a choice: an empty delta with the finish reason (<c>stop</c>, <c>length</c>, <c>tool_calls</c>).</summary>
    public void WriteFinish(IBufferWriter<byte> writer, int choice, ReadOnlySpan<byte> finishReason)
    {
        WriteChoiceStart(writer, choice);
        writer.Write("\"delta\":{},\"logprobs\":null,\"finish_reason\":\""u8);
        writer.Write(finishReason);
        writer.Write("\"}]"u8);
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

    private void WriteChoiceStart(IBufferWriter<byte> writer, int choice)
    {
        writer.Write(_prefix);
        if (choice == 0)
        {
            writer.Write("[{\"index\":0,"u8);
            return;
        }

        writer.Write("[{\"index\":"u8);
        OpenAIWire.WriteNumber(writer, choice);
        writer.Write(","u8);
    }

    private void WriteEnd(IBufferWriter<byte> writer) =>
        writer.Write(_includeUsage ? ",\"usage\":null}\n\n"u8 : "}\n\n"u8);
}
