using System.Buffers;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// Writes a generated answer as the Responses API's event stream: response.created and response.in_progress; for text
/// response.output_item.added, response.content_part.added, response.output_text.delta per chunk, then
/// response.output_text.done, response.content_part.done and response.output_item.done; for a call
/// response.output_item.added, response.function_call_arguments.delta per fragment, response.function_call_arguments.done
/// and response.output_item.done; finally response.completed (response.incomplete when the limit cut the text) with the
/// whole response and its usage. Every event is <c>event: type</c> plus JSON that starts with the same type and a sequence
/// number counting from 0; there is no <c>[DONE]</c>. One instance per stream. Given a store, the response of the last
/// event is kept there once written, with the request's input; given a conversation, the input's items and the output
/// item are appended to it then. A stream cut before that last event does neither. A background response's stream starts
/// earlier, with response.created and response.queued while it is queued (<see cref="WriteQueued"/>), its
/// <see cref="WriteStart"/> is response.in_progress alone, and a failed or cancelled one ends with response.failed.
/// </summary>
internal sealed class OpenAIResponsesEventEncoder : IAnswerStreamEncoder
{
    private readonly OpenAIResponseEncoder _response;
    private readonly OpenAIResponseStore? _store;
    private readonly OpenAIConversation? _conversation;
    private readonly ReadOnlyMemory<byte> _input;

    /// <summary><c>,"item_id":"msg_…","output_index":</c>: every item-level event names its item.</summary>
    private readonly byte[] _itemReference;

    private long _sequence;

    public OpenAIResponsesEventEncoder(
        OpenAIResponseEncoder response, OpenAIResponseStore? store, OpenAIConversation? conversation, ReadOnlyMemory<byte> input)
    {
        _response = response;
        _store = store;
        _conversation = conversation;
        _input = input;
        var reference = new ArrayBufferWriter<byte>(96);
        reference.Write(",\"item_id\":\""u8);
        reference.Write(response.ItemId);
        reference.Write("\",\"output_index\":"u8);
        _itemReference = reference.WrittenSpan.ToArray();
    }

    /// <summary>A background response's first events, written when it is created: response.created and response.queued.</summary>
    public void WriteQueued(IBufferWriter<byte> writer)
    {
        WriteResponseEvent(writer, "response.created"u8, OpenAIResponseStatus.Queued);
        WriteResponseEvent(writer, "response.queued"u8, OpenAIResponseStatus.Queued);
    }

    public void WriteStart(IBufferWriter<byte> writer)
    {
        if (!_response.Background)
        {
            WriteResponseEvent(writer, "response.created"u8, OpenAIResponseStatus.InProgress);
        }

        WriteResponseEvent(writer, "response.in_progress"u8, OpenAIResponseStatus.InProgress);
    }

    /// <summary>The last event of a background response that failed or was cancelled: response.failed with the response in <paramref name="status"/>.</summary>
    public void WriteEnded(IBufferWriter<byte> writer, OpenAIResponseStatus status) => WriteResponseEvent(writer, "response.failed"u8, status);

    public void WriteBlockStart(IBufferWriter<byte> writer, AnswerBlock block, int index)
    {
        WriteItemEvent(writer, "response.output_item.added"u8, index, done: false);
        if (block == AnswerBlock.ToolCall)
        {
            return;
        }

        BeginEvent(writer, "response.content_part.added"u8);
        WritePartReference(writer, index);
        writer.Write(",\"part\":"u8);
        _response.WriteTextPart(writer, done: false);
        EndEvent(writer);
    }

    public void WriteTokens(IBufferWriter<byte> writer, AnswerBlock block, int index, int first, int count)
    {
        BeginEvent(writer, "response.output_text.delta"u8);
        WritePartReference(writer, index);
        writer.Write(",\"delta\":\""u8);
        JsonText.WriteTokens(writer, first, count);
        writer.Write("\",\"logprobs\":[]"u8);
        EndEvent(writer);
    }

    public void WriteToolFragment(IBufferWriter<byte> writer, int index, ReadOnlySpan<byte> fragment)
    {
        BeginEvent(writer, "response.function_call_arguments.delta"u8);
        WriteItemReference(writer, index);
        writer.Write(",\"delta\":\""u8);
        JsonText.WriteEscaped(writer, fragment);
        writer.Write("\""u8);
        EndEvent(writer);
    }

    public void WriteBlockEnd(IBufferWriter<byte> writer, AnswerBlock block, int index)
    {
        if (block == AnswerBlock.ToolCall)
        {
            var tool = _response.Plan.Tool!;
            BeginEvent(writer, "response.function_call_arguments.done"u8);
            WriteItemReference(writer, index);
            writer.Write(",\"name\":"u8);
            OpenAIWire.WriteString(writer, tool.Name);
            writer.Write(",\"arguments\":\""u8);
            JsonText.WriteEscaped(writer, tool.Arguments);
            writer.Write("\""u8);
            EndEvent(writer);
        }
        else
        {
            BeginEvent(writer, "response.output_text.done"u8);
            WritePartReference(writer, index);
            writer.Write(",\"text\":\""u8);
            JsonText.WriteTokens(writer, 0, _response.Plan.TextTokens);
            writer.Write("\",\"logprobs\":[]"u8);
            EndEvent(writer);

            BeginEvent(writer, "response.content_part.done"u8);
            WritePartReference(writer, index);
            writer.Write(",\"part\":"u8);
            _response.WriteTextPart(writer, done: true);
            EndEvent(writer);
        }

        WriteItemEvent(writer, "response.output_item.done"u8, index, done: true);
    }

    public void WriteFinish(IBufferWriter<byte> writer)
    {
        var status = _response.FinishedStatus;
        BeginEvent(writer, status == OpenAIResponseStatus.Incomplete ? "response.incomplete"u8 : "response.completed"u8);
        writer.Write(",\"response\":"u8);
        if (_store is null)
        {
            _response.WriteResponse(writer, status);
        }
        else
        {
            // Written once into its own buffer: the client gets these bytes and the store keeps them. Stored before the
            // flush, so a client that read the event finds the response.
            var response = new ArrayBufferWriter<byte>(_response.FinishedSizeHint);
            _response.WriteResponse(response, status);
            writer.Write(response.WrittenSpan);
            _store.Add(new OpenAIStoredResponse(_response.Id, response.WrittenMemory, _input));
        }

        _conversation?.AppendTurn(_input.Span, _response.OutputItem());
        EndEvent(writer);
    }

    private void WriteResponseEvent(IBufferWriter<byte> writer, ReadOnlySpan<byte> type, OpenAIResponseStatus status)
    {
        BeginEvent(writer, type);
        writer.Write(",\"response\":"u8);
        _response.WriteResponse(writer, status);
        EndEvent(writer);
    }

    private void WriteItemEvent(IBufferWriter<byte> writer, ReadOnlySpan<byte> type, int index, bool done)
    {
        BeginEvent(writer, type);
        writer.Write(",\"output_index\":"u8);
        OpenAIWire.WriteNumber(writer, index);
        writer.Write(",\"item\":"u8);
        _response.WriteItem(writer, done);
        EndEvent(writer);
    }

    private void WriteItemReference(IBufferWriter<byte> writer, int index)
    {
        writer.Write(_itemReference);
        OpenAIWire.WriteNumber(writer, index);
    }

    /// <summary>The message has one part, its output_text.</summary>
    private void WritePartReference(IBufferWriter<byte> writer, int index)
    {
        WriteItemReference(writer, index);
        writer.Write(",\"content_index\":0"u8);
    }

    /// <summary>Writes <c>event: type</c> and the start of its data up to the sequence number; <see cref="EndEvent"/> closes it.</summary>
    private void BeginEvent(IBufferWriter<byte> writer, ReadOnlySpan<byte> type)
    {
        writer.Write("event: "u8);
        writer.Write(type);
        writer.Write("\ndata: {\"type\":\""u8);
        writer.Write(type);
        writer.Write("\",\"sequence_number\":"u8);
        OpenAIWire.WriteNumber(writer, _sequence++);
    }

    private static void EndEvent(IBufferWriter<byte> writer) => writer.Write("}\n\n"u8);
}
