using System.Buffers;
using System.Buffers.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Ingress.Responses;

/// <summary>
/// Turns one OpenAI <c>chat.completion.chunk</c> stream into the Responses API's event stream: response.created and
/// response.in_progress, then output items in the order the answer produces them (reasoning from
/// <c>reasoning_content</c>/<c>reasoning</c>, a message with output_text or refusal parts, a function_call per tool call),
/// each added, streamed as deltas and done, then response.completed (or response.incomplete) with the whole response and
/// its usage. An OpenAI error chunk, or <see cref="Fail"/>, ends it with response.failed. One instance per stream; not
/// thread-safe.
/// </summary>
/// <remarks>
/// Each chunk is read with <see cref="Utf8JsonReader"/>. String values are copied in their escaped JSON form into the output
/// and into pooled buffers that accumulate the open item's full text for its done events and for the final response (both
/// sides are JSON strings, and escaped fragments concatenate to an escaped whole), so translating a delta allocates nothing.
/// The buffers go back to the pool when the stream finishes, or when a stream abandoned midway is disposed.
/// </remarks>
public sealed class ResponsesStreamTranslator : IDisposable
{
    private const int MaxModelLength = 256;

    private static readonly JavaScriptEncoder _encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    private readonly byte[] _responseId;
    private readonly byte[] _idSuffix;
    private readonly byte[] _model;
    private readonly byte[] _echo;
    private readonly long _createdAt;
    private readonly ToolNamespaces _namespaces;
    private readonly byte[] _answeredModel = new byte[MaxModelLength];

    /// <summary>The closed items' JSON, comma-separated: the output array of the final response.</summary>
    private readonly PooledBufferWriter _items = new(4096);

    /// <summary>The open item's text so far: the reasoning summary, the open content part, or the call's arguments.</summary>
    private readonly PooledBufferWriter _text = new(1024);

    /// <summary>The open message's closed content parts, comma-separated.</summary>
    private readonly PooledBufferWriter _parts = new(256);
    private readonly PooledBufferWriter _callId = new(256);
    private readonly PooledBufferWriter _name = new(256);

    private int _answeredModelLength;
    private long _sequence;
    private int _itemCount;
    private Item _open;
    private int _openIndex;
    private int _openOrdinal;
    private int _openToolIndex = -1;
    private Part _part;
    private int _partCount;
    private int _reasoningItems;
    private int _messageItems;
    private int _functionCalls;
    private bool _started;
    private byte[] _incompleteReason = ResponsesIncompleteReason.None;
    private TokenUsage _usage;
    private long _totalTokens = -1;

    /// <summary>
    /// Creates the translator for one stream. <paramref name="responseId"/> (<c>resp_…</c>) names the response and its items;
    /// <paramref name="model"/> is reported while the chunks name no model; <paramref name="echo"/> is a UTF-8 JSON fragment
    /// of request-echo properties (comma-separated, no braces, possibly empty) spliced into every Response object;
    /// <paramref name="createdAt"/> is in unix seconds; <paramref name="namespaces"/> the request's tool namespaces.
    /// </summary>
    public ResponsesStreamTranslator(string responseId, string model, ReadOnlyMemory<byte> echo, long createdAt, ToolNamespaces? namespaces = null)
    {
        _namespaces = namespaces ?? ToolNamespaces.None;
        _responseId = Escape(responseId);
        _idSuffix = Escape(ResponsesItemIds.Suffix(responseId));
        _model = Escape(model);
        _echo = echo.ToArray();
        _createdAt = createdAt;
    }

    private enum Item
    {
        None,
        Reasoning,
        Message,
        FunctionCall,
    }

    private enum Part
    {
        None,
        Text,
        Refusal,
    }

    private enum ItemState
    {
        Added,
        Done,
        Cut,
    }

    private enum Phase
    {
        InProgress,
        Finished,
        Failed,
    }

    /// <summary>True once response.completed, response.incomplete or response.failed was written: nothing more may follow.</summary>
    public bool IsFinished { get; private set; }

    /// <summary>True once the upstream sent a finish_reason: the answer is complete, even if usage is still to come.</summary>
    public bool SawFinish { get; private set; }

    /// <summary>Translates the data of one upstream SSE event (a chunk's JSON) and appends the resulting events.</summary>
    /// <returns>False when <paramref name="chunk"/> is not valid JSON; the caller ends the stream with <see cref="Fail"/>.</returns>
    public bool TranslateChunk(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output)
    {
        if (IsFinished)
        {
            return true;
        }

        try
        {
            var reader = new Utf8JsonReader(chunk);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            // response.created names the model, and a chunk may name it after its choices (Azure's keys are in alphabetical
            // order): until the stream has started, choices are read from a copy of the reader once the chunk was read through.
            var choices = default(Utf8JsonReader);
            var deferred = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    if (_answeredModelLength == 0 && reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length is > 0 and <= MaxModelLength)
                    {
                        reader.ValueSpan.CopyTo(_answeredModel);
                        _answeredModelLength = reader.ValueSpan.Length;
                    }
                }
                else if (reader.ValueTextEquals("choices"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        if (_started)
                        {
                            ReadChoices(ref reader, output);
                        }
                        else
                        {
                            choices = reader;
                            deferred = true;
                        }
                    }
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        ReadUsage(ref reader);
                    }
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        ReadError(ref reader, output);
                        return true;
                    }
                }
                else
                {
                    reader.Read();
                }

                reader.Skip();
            }

            EnsureStarted(output);
            if (deferred)
            {
                ReadChoices(ref choices, output);
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Closes the stream after the upstream's last chunk (its <c>[DONE]</c> or end): the open item is done, then
    /// response.completed, or response.incomplete when the answer was cut by length or a content filter.
    /// </summary>
    public void Complete(IBufferWriter<byte> output)
    {
        if (IsFinished)
        {
            return;
        }

        EnsureStarted(output);
        CloseItem(output);
        BeginEvent(output, _incompleteReason.Length > 0 ? "response.incomplete"u8 : "response.completed"u8);
        output.Write(",\"response\":"u8);
        WriteResponse(output, Phase.Finished, default, default);
        EndEvent(output);
        Finish();
    }

    /// <summary>
    /// Ends the stream with response.failed, its error <c>{code, message}</c> and the items so far (upstream failure,
    /// malformed or truncated upstream data).
    /// </summary>
    public void Fail(IBufferWriter<byte> output, string code, string message)
    {
        if (IsFinished)
        {
            return;
        }

        WriteFailed(output, Escape(code), Escape(message));
    }

    private void ReadChoices(ref Utf8JsonReader reader, IBufferWriter<byte> output)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            // n > 1 is rejected before the request is sent, so the only choice is index 0.
            var finished = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("delta"u8) || reader.ValueTextEquals("message"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        ReadDelta(ref reader, output);
                    }
                }
                else if (reader.ValueTextEquals("finish_reason"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0)
                    {
                        SawFinish = true;
                        finished = true;
                        _incompleteReason = ResponsesIncompleteReason.FromFinishReason(reader.ValueSpan);
                    }
                }
                else
                {
                    reader.Read();
                }

                reader.Skip();
            }

            // Closed after the whole choice was read: its delta may follow its finish_reason.
            if (finished)
            {
                CloseItem(output);
            }
        }
    }

    private void ReadDelta(ref Utf8JsonReader reader, IBufferWriter<byte> output)
    {
        // Some servers send the same reasoning under both names: one delta's reasoning is taken once.
        var reasoned = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                WriteMessageDelta(ref reader, output, Part.Text);
            }
            else if (reader.ValueTextEquals("refusal"u8))
            {
                reader.Read();
                WriteMessageDelta(ref reader, output, Part.Refusal);
            }
            else if (reader.ValueTextEquals("reasoning_content"u8) || reader.ValueTextEquals("reasoning"u8))
            {
                reader.Read();
                if (!reasoned && reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0)
                {
                    reasoned = true;
                    WriteReasoningDelta(reader.ValueSpan, output);
                }
            }
            else if (reader.ValueTextEquals("tool_calls"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                    {
                        ReadToolCall(ref reader, output);
                    }
                }
            }
            else
            {
                reader.Read();
            }

            reader.Skip();
        }
    }

    private void WriteReasoningDelta(ReadOnlySpan<byte> delta, IBufferWriter<byte> output)
    {
        OpenItem(output, Item.Reasoning);
        BeginEvent(output, "response.reasoning_summary_text.delta"u8);
        WriteItemReference(output);
        output.Write(",\"summary_index\":0,\"delta\":\""u8);
        output.Write(delta);
        output.Write("\""u8);
        EndEvent(output);
        _text.Write(delta);
    }

    private void WriteMessageDelta(ref Utf8JsonReader reader, IBufferWriter<byte> output, Part part)
    {
        if (reader.TokenType != JsonTokenType.String || reader.ValueSpan.Length == 0)
        {
            return;
        }

        OpenItem(output, Item.Message);
        if (_part != part)
        {
            ClosePart(output);
            OpenPart(output, part);
        }

        BeginEvent(output, part == Part.Text ? "response.output_text.delta"u8 : "response.refusal.delta"u8);
        WritePartReference(output);
        output.Write(",\"delta\":\""u8);
        output.Write(reader.ValueSpan);
        output.Write(part == Part.Text ? "\",\"logprobs\":[]"u8 : "\""u8);
        EndEvent(output);
        _text.Write(reader.ValueSpan);
    }

    /// <summary>
    /// A tool call delta: the first fragment of a call (it carries id and name) opens a function_call item, argument
    /// fragments become function_call_arguments.delta events. The object is read whole first, since id, name and arguments
    /// come in any order.
    /// </summary>
    private void ReadToolCall(ref Utf8JsonReader reader, IBufferWriter<byte> output)
    {
        var delta = ToolCallDelta.Read(ref reader);
        var index = delta.Index;
        var id = delta.Id;
        var name = delta.Name;
        var arguments = delta.Arguments;

        // Some providers repeat the id on every fragment (Mistral sends no index): only a new id or a new index starts a call.
        var continues = _open == Item.FunctionCall && (id.IsEmpty || id.SequenceEqual(_callId.WrittenSpan))
            && (index < 0 || index == _openToolIndex);
        if (!continues)
        {
            if (id.IsEmpty && name.IsEmpty)
            {
                // A fragment of a call whose item is already done: items cannot be reopened, so it is lost.
                return;
            }

            OpenFunctionCall(output, id, name, index);
        }

        if (!arguments.IsEmpty)
        {
            BeginEvent(output, "response.function_call_arguments.delta"u8);
            WriteItemReference(output);
            output.Write(",\"delta\":\""u8);
            output.Write(arguments);
            output.Write("\""u8);
            EndEvent(output);
            _text.Write(arguments);
        }
    }

    /// <summary>Opens a reasoning or message item unless one of that kind is open; any other open item is done first.</summary>
    private void OpenItem(IBufferWriter<byte> output, Item item)
    {
        if (_open == item)
        {
            return;
        }

        CloseItem(output);
        _open = item;
        _openIndex = _itemCount++;
        _openOrdinal = item == Item.Reasoning ? _reasoningItems++ : _messageItems++;
        WriteItemAdded(output);
        if (item == Item.Reasoning)
        {
            BeginEvent(output, "response.reasoning_summary_part.added"u8);
            WriteItemReference(output);
            output.Write(",\"summary_index\":0,\"part\":{\"type\":\"summary_text\",\"text\":\"\"}"u8);
            EndEvent(output);
        }
    }

    private void OpenFunctionCall(IBufferWriter<byte> output, ReadOnlySpan<byte> id, ReadOnlySpan<byte> name, int index)
    {
        CloseItem(output);
        _open = Item.FunctionCall;
        _openIndex = _itemCount++;
        _openOrdinal = _functionCalls++;
        _openToolIndex = index;
        if (id.IsEmpty)
        {
            // The client answers a call by its call_id: a provider that sends none gets one made up.
            _callId.Write("call_"u8);
            _callId.Write(_idSuffix);
            _callId.Write("_"u8);
            WriteNumber(_callId, _openOrdinal);
        }
        else
        {
            _callId.Write(id);
        }

        _name.Write(name);
        WriteItemAdded(output);
    }

    private void OpenPart(IBufferWriter<byte> output, Part part)
    {
        _part = part;
        BeginEvent(output, "response.content_part.added"u8);
        WritePartReference(output);
        output.Write(",\"part\":"u8);
        WritePart(output, part, default);
        EndEvent(output);
    }

    private void ClosePart(IBufferWriter<byte> output)
    {
        if (_part == Part.None)
        {
            return;
        }

        var text = _part == Part.Text;
        BeginEvent(output, text ? "response.output_text.done"u8 : "response.refusal.done"u8);
        WritePartReference(output);
        output.Write(text ? ",\"text\":\""u8 : ",\"refusal\":\""u8);
        output.Write(_text.WrittenSpan);
        output.Write(text ? "\",\"logprobs\":[]"u8 : "\""u8);
        EndEvent(output);

        if (_parts.WrittenCount > 0)
        {
            _parts.Write(","u8);
        }

        var start = _parts.WrittenCount;
        WritePart(_parts, _part, _text.WrittenSpan);
        BeginEvent(output, "response.content_part.done"u8);
        WritePartReference(output);
        output.Write(",\"part\":"u8);
        output.Write(_parts.WrittenSpan[start..]);
        EndEvent(output);

        _part = Part.None;
        _partCount++;
        _text.Clear();
    }

    /// <summary>Writes the open item's done events and keeps the item for the final response.</summary>
    private void CloseItem(IBufferWriter<byte> output)
    {
        switch (_open)
        {
            case Item.None:
                return;
            case Item.Reasoning:
                BeginEvent(output, "response.reasoning_summary_text.done"u8);
                WriteItemReference(output);
                output.Write(",\"summary_index\":0,\"text\":\""u8);
                output.Write(_text.WrittenSpan);
                output.Write("\""u8);
                EndEvent(output);
                BeginEvent(output, "response.reasoning_summary_part.done"u8);
                WriteItemReference(output);
                output.Write(",\"summary_index\":0,\"part\":{\"type\":\"summary_text\",\"text\":\""u8);
                output.Write(_text.WrittenSpan);
                output.Write("\"}"u8);
                EndEvent(output);
                break;
            case Item.Message:
                ClosePart(output);
                break;
            default:
                BeginEvent(output, "response.function_call_arguments.done"u8);
                WriteItemReference(output);
                output.Write(","u8);
                _namespaces.WriteName(output, _name.WrittenSpan);
                output.Write(",\"arguments\":\""u8);
                output.Write(_text.WrittenSpan);
                output.Write("\""u8);
                EndEvent(output);
                break;
        }

        if (_items.WrittenCount > 0)
        {
            _items.Write(","u8);
        }

        var start = _items.WrittenCount;
        WriteItem(_items, ItemState.Done);
        BeginEvent(output, "response.output_item.done"u8);
        output.Write(",\"output_index\":"u8);
        WriteNumber(output, _openIndex);
        output.Write(",\"item\":"u8);
        output.Write(_items.WrittenSpan[start..]);
        EndEvent(output);

        _open = Item.None;
        _openToolIndex = -1;
        _partCount = 0;
        _text.Clear();
        _parts.Clear();
        _callId.Clear();
        _name.Clear();
    }

    private void WriteItemAdded(IBufferWriter<byte> output)
    {
        BeginEvent(output, "response.output_item.added"u8);
        output.Write(",\"output_index\":"u8);
        WriteNumber(output, _openIndex);
        output.Write(",\"item\":"u8);
        WriteItem(output, ItemState.Added);
        EndEvent(output);
    }

    /// <summary>The open item: empty as added, whole as done, or as far as it got when the stream failed (cut).</summary>
    private void WriteItem(IBufferWriter<byte> target, ItemState state)
    {
        target.Write("{\"id\":"u8);
        WriteItemId(target);
        var status = state switch
        {
            ItemState.Added => "\"in_progress\""u8,
            ItemState.Done when _incompleteReason.Length == 0 => "\"completed\""u8,
            _ => "\"incomplete\""u8,
        };
        switch (_open)
        {
            case Item.Reasoning:
                target.Write(",\"type\":\"reasoning\",\"summary\":["u8);
                if (state != ItemState.Added)
                {
                    target.Write("{\"type\":\"summary_text\",\"text\":\""u8);
                    target.Write(_text.WrittenSpan);
                    target.Write("\"}"u8);
                }

                target.Write("]}"u8);
                break;
            case Item.Message:
                target.Write(",\"type\":\"message\",\"status\":"u8);
                target.Write(status);
                target.Write(",\"role\":\"assistant\",\"content\":["u8);
                if (state != ItemState.Added)
                {
                    target.Write(_parts.WrittenSpan);
                    if (state == ItemState.Cut && _part != Part.None)
                    {
                        if (_parts.WrittenCount > 0)
                        {
                            target.Write(","u8);
                        }

                        WritePart(target, _part, _text.WrittenSpan);
                    }
                }

                target.Write("]}"u8);
                break;
            default:
                target.Write(",\"type\":\"function_call\",\"status\":"u8);
                target.Write(status);
                target.Write(",\"arguments\":\""u8);
                target.Write(state == ItemState.Added ? default : _text.WrittenSpan);
                target.Write("\",\"call_id\":\""u8);
                target.Write(_callId.WrittenSpan);
                target.Write("\","u8);
                _namespaces.WriteName(target, _name.WrittenSpan);
                target.Write("}"u8);
                break;
        }
    }

    private static void WritePart(IBufferWriter<byte> target, Part part, ReadOnlySpan<byte> text)
    {
        target.Write(part == Part.Text ? "{\"type\":\"output_text\",\"annotations\":[],\"logprobs\":[],\"text\":\""u8 : "{\"type\":\"refusal\",\"refusal\":\""u8);
        target.Write(text);
        target.Write("\"}"u8);
    }

    private void WriteItemId(IBufferWriter<byte> target)
    {
        target.Write(_open switch
        {
            Item.Reasoning => "\"rs_"u8,
            Item.Message => "\"msg_"u8,
            _ => "\"fc_"u8,
        });
        target.Write(_idSuffix);

        // The first reasoning and message items take the plain id; calls are always numbered.
        if (_open == Item.FunctionCall || _openOrdinal > 0)
        {
            target.Write("_"u8);
            WriteNumber(target, _openOrdinal);
        }

        target.Write("\""u8);
    }

    private void WriteItemReference(IBufferWriter<byte> output)
    {
        output.Write(",\"item_id\":"u8);
        WriteItemId(output);
        output.Write(",\"output_index\":"u8);
        WriteNumber(output, _openIndex);
    }

    private void WritePartReference(IBufferWriter<byte> output)
    {
        WriteItemReference(output);
        output.Write(",\"content_index\":"u8);
        WriteNumber(output, _partCount);
    }

    private void EnsureStarted(IBufferWriter<byte> output)
    {
        if (_started)
        {
            return;
        }

        _started = true;
        BeginEvent(output, "response.created"u8);
        output.Write(",\"response\":"u8);
        WriteResponse(output, Phase.InProgress, default, default);
        EndEvent(output);
        BeginEvent(output, "response.in_progress"u8);
        output.Write(",\"response\":"u8);
        WriteResponse(output, Phase.InProgress, default, default);
        EndEvent(output);
    }

    /// <summary>The Response object: empty while in progress, with every item and the usage once finished or failed.</summary>
    private void WriteResponse(IBufferWriter<byte> output, Phase phase, ReadOnlySpan<byte> errorCode, ReadOnlySpan<byte> errorMessage)
    {
        var incomplete = phase == Phase.Finished && _incompleteReason.Length > 0;
        output.Write("{\"id\":\""u8);
        output.Write(_responseId);
        output.Write("\",\"object\":\"response\",\"created_at\":"u8);
        WriteNumber(output, _createdAt);
        output.Write(phase switch
        {
            Phase.InProgress => ",\"status\":\"in_progress\""u8,
            Phase.Failed => ",\"status\":\"failed\""u8,
            _ when incomplete => ",\"status\":\"incomplete\""u8,
            _ => ",\"status\":\"completed\""u8,
        });
        output.Write(",\"background\":false,\"error\":"u8);
        if (phase == Phase.Failed)
        {
            output.Write("{\"code\":\""u8);
            output.Write(errorCode);
            output.Write("\",\"message\":\""u8);
            output.Write(errorMessage);
            output.Write("\"}"u8);
        }
        else
        {
            output.Write("null"u8);
        }

        output.Write(",\"incomplete_details\":"u8);
        if (incomplete)
        {
            output.Write("{\"reason\":\""u8);
            output.Write(_incompleteReason);
            output.Write("\"}"u8);
        }
        else
        {
            output.Write("null"u8);
        }

        if (_echo.Length > 0)
        {
            output.Write(","u8);
            output.Write(_echo);
        }

        output.Write(",\"model\":\""u8);
        output.Write(_answeredModelLength > 0 ? _answeredModel.AsSpan(0, _answeredModelLength) : _model);
        output.Write("\",\"output\":["u8);
        if (phase != Phase.InProgress)
        {
            output.Write(_items.WrittenSpan);
            if (phase == Phase.Failed && _open != Item.None)
            {
                if (_items.WrittenCount > 0)
                {
                    output.Write(","u8);
                }

                WriteItem(output, ItemState.Cut);
            }
        }

        output.Write("],\"usage\":"u8);
        if (phase != Phase.InProgress && _usage.IsKnown)
        {
            output.Write("{\"input_tokens\":"u8);
            WriteNumber(output, _usage.PromptTokens);
            output.Write(",\"input_tokens_details\":{\"cached_tokens\":"u8);
            WriteNumber(output, _usage.CachedPromptTokens);
            output.Write("},\"output_tokens\":"u8);
            WriteNumber(output, _usage.CompletionTokens);
            output.Write(",\"output_tokens_details\":{\"reasoning_tokens\":"u8);
            WriteNumber(output, _usage.ReasoningTokens);
            output.Write("},\"total_tokens\":"u8);
            WriteNumber(output, _totalTokens >= 0 ? _totalTokens : _usage.TotalTokens);
            output.Write("}}"u8);
        }
        else
        {
            output.Write("null}"u8);
        }
    }

    private void WriteFailed(IBufferWriter<byte> output, ReadOnlySpan<byte> code, ReadOnlySpan<byte> message)
    {
        // Clients expect response.created before anything else, a failure on the first chunk included.
        EnsureStarted(output);
        BeginEvent(output, "response.failed"u8);
        output.Write(",\"response\":"u8);
        WriteResponse(output, Phase.Failed, code, message);
        EndEvent(output);
        Finish();
    }

    /// <summary>Returns the pooled buffers (done already when the stream finished).</summary>
    public void Dispose() => ReturnBuffers();

    private void Finish()
    {
        IsFinished = true;
        ReturnBuffers();
    }

    private void ReturnBuffers()
    {
        _items.Dispose();
        _text.Dispose();
        _parts.Dispose();
        _callId.Dispose();
        _name.Dispose();
    }

    /// <summary>Writes <c>event: type</c> and the start of its data up to the sequence number; <see cref="EndEvent"/> ends it.</summary>
    private void BeginEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> type)
    {
        output.Write("event: "u8);
        output.Write(type);
        output.Write("\ndata: {\"type\":\""u8);
        output.Write(type);
        output.Write("\",\"sequence_number\":"u8);
        WriteNumber(output, _sequence++);
    }

    private static void EndEvent(IBufferWriter<byte> output) => output.Write("}\n\n"u8);

    private void ReadUsage(ref Utf8JsonReader reader)
    {
        long prompt = 0, completion = 0, cached = 0, reasoning = 0, total = -1;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                reader.Read();
                prompt = Number(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                reader.Read();
                completion = Number(ref reader);
            }
            else if (reader.ValueTextEquals("total_tokens"u8))
            {
                reader.Read();
                total = reader.TokenType == JsonTokenType.Number ? Number(ref reader) : -1;
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8) || reader.ValueTextEquals("completion_tokens_details"u8))
            {
                var isPrompt = reader.ValueTextEquals("prompt_tokens_details"u8);
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    var detail = ReadDetail(ref reader, isPrompt ? "cached_tokens"u8 : "reasoning_tokens"u8);
                    cached = isPrompt ? detail : cached;
                    reasoning = isPrompt ? reasoning : detail;
                }
            }
            else
            {
                reader.Read();
            }

            reader.Skip();
        }

        _usage = new TokenUsage(prompt, completion, cached, reasoning) { IsKnown = true };
        _totalTokens = total;
    }

    private static long ReadDetail(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        long value = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            if (match)
            {
                value = Number(ref reader);
            }

            reader.Skip();
        }

        return value;
    }

    private static long Number(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : 0;

    /// <summary>An OpenAI error chunk: its code (or type) and message, copied as they came, end the stream as response.failed.</summary>
    private void ReadError(ref Utf8JsonReader reader, IBufferWriter<byte> output)
    {
        ReadOnlySpan<byte> code = default, type = default, message = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isCode = reader.ValueTextEquals("code"u8);
            var isType = reader.ValueTextEquals("type"u8);
            var isMessage = reader.ValueTextEquals("message"u8);
            reader.Read();

            // Some providers' codes are numbers: their digits make a valid string too.
            if (reader.TokenType == JsonTokenType.String || (isCode && reader.TokenType == JsonTokenType.Number))
            {
                code = isCode ? reader.ValueSpan : code;
                type = isType ? reader.ValueSpan : type;
                message = isMessage ? reader.ValueSpan : message;
            }

            reader.Skip();
        }

        WriteFailed(
            output,
            !code.IsEmpty ? code : !type.IsEmpty ? type : "server_error"u8,
            !message.IsEmpty ? message : "The upstream provider reported an error."u8);
    }

    private static void WriteNumber(IBufferWriter<byte> output, long value)
    {
        var span = output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        output.Advance(written);
    }

    private static byte[] Escape(string value) => JsonEncodedText.Encode(value, _encoder).EncodedUtf8Bytes.ToArray();
}
