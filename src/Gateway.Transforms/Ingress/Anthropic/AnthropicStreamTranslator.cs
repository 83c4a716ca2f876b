using System.Buffers;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Ingress.Anthropic;

/// <summary>
/// Turns one OpenAI <c>chat.completion.chunk</c> stream into Anthropic's event stream: message_start, then
/// content_block_start/delta/stop for thinking (from <c>reasoning_content</c>/<c>reasoning</c>), text (content or refusal)
/// and tool_use (tool calls, arguments as input_json_delta), then message_delta with stop reason and final usage, and
/// message_stop. An OpenAI error chunk becomes an <c>event: error</c>. One instance per stream; not thread-safe.
/// </summary>
/// <remarks>
/// Each chunk is read once with <see cref="Utf8JsonReader"/>. String values are copied in their escaped JSON form straight
/// into the output (both sides are JSON strings), so translating a delta allocates nothing.
/// </remarks>
public sealed class AnthropicStreamTranslator
{
    private const int MaxIdLength = 128;

    private readonly byte[] _model;
    private readonly byte[] _messageId = new byte[MaxIdLength];
    private readonly byte[] _toolId = new byte[MaxIdLength];
    private readonly byte[] _answeredModel = new byte[MaxIdLength];
    private int _answeredModelLength;
    private int _messageIdLength;
    private int _toolIdLength;
    private Block _open;
    private int _openIndex = -1;
    private int _nextIndex;
    private int _openToolIndex = -1;
    private bool _started;
    private bool _refused;
    private byte[] _stopReason = [];
    private TokenUsage _usage;

    /// <summary>
    /// Creates the translator for one stream; <paramref name="model"/> is reported when the chunks name no model (the
    /// upstream id the request was sent with), as the model the provider answered with is otherwise.
    /// </summary>
    public AnthropicStreamTranslator(string model) =>
        _model = JsonSerializer.SerializeToUtf8Bytes(model, AnthropicJsonContext.Default.String);

    private enum Block
    {
        None,
        Text,
        Thinking,
        ToolUse,
    }

    /// <summary>True once message_stop or an error event was written: nothing more may follow.</summary>
    public bool IsFinished { get; private set; }

    /// <summary>True once the upstream sent a finish_reason: the answer is complete, even if usage is still to come.</summary>
    public bool SawFinish { get; private set; }

    /// <summary>Content deltas (text, thinking, tool input) written so far: tells the caller when output was generated.</summary>
    public int ContentDeltas { get; private set; }

    /// <summary>The usage the upstream reported (its final figures), for metering.</summary>
    public TokenUsage Usage => _usage;

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

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("id"u8))
                {
                    reader.Read();
                    if (_messageIdLength == 0 && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && reader.ValueSpan.Length <= MaxIdLength)
                    {
                        reader.ValueSpan.CopyTo(_messageId);
                        _messageIdLength = reader.ValueSpan.Length;
                    }
                }
                else if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    if (_answeredModelLength == 0 && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && reader.ValueSpan.Length <= MaxIdLength)
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
                        ReadChoices(ref reader, output);
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

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Closes the stream after the upstream's last chunk: open block, message_delta with usage, message_stop.</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        if (IsFinished)
        {
            return;
        }

        EnsureStarted(output);
        CloseBlock(output);
        output.Write("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"u8);
        output.Write(_refused ? "\"refusal\""u8 : _stopReason.Length > 0 ? _stopReason : "\"end_turn\""u8);
        output.Write(",\"stop_sequence\":null},\"usage\":"u8);
        AnthropicWire.WriteUsage(output, _usage.PromptTokens, _usage.CachedPromptTokens, _usage.CompletionTokens);
        output.Write("}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"u8);
        IsFinished = true;
    }

    /// <summary>Ends the stream with an Anthropic error event (upstream failure, malformed or truncated upstream data).</summary>
    public void Fail(IBufferWriter<byte> output, string type, string message)
    {
        if (IsFinished)
        {
            return;
        }

        AnthropicErrorWriter.WriteEvent(output, type, message);
        IsFinished = true;
    }

    private void ReadChoices(ref Utf8JsonReader reader, IBufferWriter<byte> output)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            // n > 1 is rejected before the request is sent, so the only choice is index 0.
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("delta"u8) || reader.ValueTextEquals("message"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        ReadDelta(ref reader, output);
                        continue;
                    }
                }
                else if (reader.ValueTextEquals("finish_reason"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0)
                    {
                        SawFinish = true;
                        _stopReason = AnthropicStopReason.FromFinishReason(reader.ValueSpan).ToArray();
                        EnsureStarted(output);
                        CloseBlock(output);
                    }
                }
                else
                {
                    reader.Read();
                }

                reader.Skip();
            }
        }
    }

    private void ReadDelta(ref Utf8JsonReader reader, IBufferWriter<byte> output)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                WriteTextDelta(ref reader, output, Block.Text);
            }
            else if (reader.ValueTextEquals("reasoning_content"u8) || reader.ValueTextEquals("reasoning"u8))
            {
                reader.Read();
                WriteTextDelta(ref reader, output, Block.Thinking);
            }
            else if (reader.ValueTextEquals("refusal"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0)
                {
                    _refused = true;
                    WriteTextDelta(ref reader, output, Block.Text);
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

    private void WriteTextDelta(ref Utf8JsonReader reader, IBufferWriter<byte> output, Block block)
    {
        if (reader.TokenType != JsonTokenType.String || reader.ValueSpan.Length == 0)
        {
            return;
        }

        OpenBlock(output, block, default, default);
        ContentDeltas++;
        WriteDeltaPrefix(output, _openIndex);
        output.Write(block == Block.Thinking ? "{\"type\":\"thinking_delta\",\"thinking\":\""u8 : "{\"type\":\"text_delta\",\"text\":\""u8);
        output.Write(reader.ValueSpan);
        output.Write("\"}}\n\n"u8);
    }

    /// <summary>
    /// A tool call delta: the first fragment of a call (it carries id and name) opens a tool_use block, argument fragments
    /// become input_json_delta events. The object is read whole first, since id, name and arguments come in any order.
    /// </summary>
    private void ReadToolCall(ref Utf8JsonReader reader, IBufferWriter<byte> output)
    {
        var delta = ToolCallDelta.Read(ref reader);
        var index = delta.Index;
        var id = delta.Id;
        var name = delta.Name;
        var arguments = delta.Arguments;

        // Some providers repeat the id on every fragment: only a new id (or a new index) starts a new block.
        var continues = _open == Block.ToolUse && (id.IsEmpty || id.SequenceEqual(_toolId.AsSpan(0, _toolIdLength)))
            && (index < 0 || index == _openToolIndex);
        if (!continues)
        {
            if (id.IsEmpty && name.IsEmpty)
            {
                // A fragment of a call whose block is already closed: Anthropic blocks cannot be reopened, so it is lost.
                return;
            }

            OpenBlock(output, Block.ToolUse, id, name);
            _openToolIndex = index;
        }

        if (!arguments.IsEmpty)
        {
            ContentDeltas++;
            WriteDeltaPrefix(output, _openIndex);
            output.Write("{\"type\":\"input_json_delta\",\"partial_json\":\""u8);
            output.Write(arguments);
            output.Write("\"}}\n\n"u8);
        }
    }

    private void OpenBlock(IBufferWriter<byte> output, Block block, ReadOnlySpan<byte> toolId, ReadOnlySpan<byte> toolName)
    {
        EnsureStarted(output);
        if (_open == block && block != Block.ToolUse)
        {
            return;
        }

        CloseBlock(output);
        _open = block;
        _openIndex = _nextIndex++;
        output.Write("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":"u8);
        AnthropicWire.WriteNumber(output, _openIndex);
        switch (block)
        {
            case Block.Text:
                output.Write(",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"u8);
                break;
            case Block.Thinking:
                output.Write(",\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}\n\n"u8);
                break;
            default:
                _toolIdLength = Math.Min(toolId.Length, MaxIdLength);
                toolId[.._toolIdLength].CopyTo(_toolId);
                output.Write(",\"content_block\":{\"type\":\"tool_use\",\"id\":\""u8);
                output.Write(toolId);
                output.Write("\",\"name\":\""u8);
                output.Write(toolName);
                output.Write("\",\"input\":{},\"caller\":{\"type\":\"direct\"}}}\n\n"u8);
                break;
        }
    }

    private void CloseBlock(IBufferWriter<byte> output)
    {
        if (_open == Block.None)
        {
            return;
        }

        output.Write("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":"u8);
        AnthropicWire.WriteNumber(output, _openIndex);
        output.Write("}\n\n"u8);
        _open = Block.None;
        _openToolIndex = -1;
    }

    private void EnsureStarted(IBufferWriter<byte> output)
    {
        if (_started)
        {
            return;
        }

        _started = true;
        output.Write("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_"u8);
        if (_messageIdLength > 0)
        {
            output.Write(_messageId.AsSpan(0, _messageIdLength));
        }
        else
        {
            // Some providers (Azure's first chunk) send no id: any unique id will do for the client.
            output.Write(System.Text.Encoding.ASCII.GetBytes(Guid.NewGuid().ToString("N")));
        }

        output.Write("\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"u8);
        if (_answeredModelLength > 0)
        {
            output.Write("\""u8);
            output.Write(_answeredModel.AsSpan(0, _answeredModelLength));
            output.Write("\""u8);
        }
        else
        {
            output.Write(_model);
        }

        output.Write(",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":"u8);

        // OpenAI-compatible streams report usage only at the end; message_delta carries the real figures.
        AnthropicWire.WriteUsage(output, _usage.PromptTokens, _usage.CachedPromptTokens, 0);
        output.Write("}}\n\n"u8);
    }

    private static void WriteDeltaPrefix(IBufferWriter<byte> output, int index)
    {
        output.Write("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":"u8);
        AnthropicWire.WriteNumber(output, index);
        output.Write(",\"delta\":"u8);
    }

    private void ReadUsage(ref Utf8JsonReader reader)
    {
        long prompt = 0, completion = 0, cached = 0, reasoning = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                reader.Read();
                prompt = reader.TokenType == JsonTokenType.Number ? reader.GetInt64() : 0;
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                reader.Read();
                completion = reader.TokenType == JsonTokenType.Number ? reader.GetInt64() : 0;
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
                    continue;
                }
            }
            else
            {
                reader.Read();
            }

            reader.Skip();
        }

        _usage = new TokenUsage(prompt, completion, cached, reasoning) { IsKnown = true };
    }

    private static long ReadDetail(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        long value = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            if (match && reader.TokenType == JsonTokenType.Number)
            {
                value = reader.GetInt64();
            }

            reader.Skip();
        }

        return value;
    }

    private void ReadError(ref Utf8JsonReader reader, IBufferWriter<byte> output)
    {
        var type = "api_error";
        string? message = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isType = reader.ValueTextEquals("type"u8);
            var isMessage = reader.ValueTextEquals("message"u8);
            reader.Read();
            if (reader.TokenType == JsonTokenType.String)
            {
                type = isType ? AnthropicErrorWriter.TypeForOpenAIType(reader.ValueSpan) : type;
                message = isMessage ? reader.GetString() : message;
            }

            reader.Skip();
        }

        Fail(output, type, message ?? "The upstream provider reported an error.");
    }
}
