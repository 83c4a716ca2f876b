using System.Buffers;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Anthropic;

/// <summary>
/// Anthropic Messages event stream → OpenAI chunks. Content blocks are tracked by index: text blocks become
/// <c>content</c>, thinking blocks <c>reasoning_content</c>, client <c>tool_use</c> blocks tool calls numbered in
/// order of appearance (server tools and their results are the provider's own business and are not relayed).
/// Usage is final only in <c>message_delta</c>; the usage chunk is written at <c>message_stop</c>.
/// </summary>
internal sealed class AnthropicStreamTranslator(in TranslationContext context) : ChatStreamTranslator(context)
{
    private const int TextBlock = -1;
    private const int ThinkingBlock = -2;
    private const int IgnoredBlock = -3;

    private int[] _blocks = [IgnoredBlock, IgnoredBlock, IgnoredBlock, IgnoredBlock, IgnoredBlock, IgnoredBlock, IgnoredBlock, IgnoredBlock];
    private int _toolCount;

    // The tool call whose block has sent no argument fragment yet: a tool without parameters streams none, and OpenAI
    // clients parse the accumulated arguments as JSON, so its block stop writes "{}" (what OpenAI itself sends).
    private int _toolAwaitingArguments = -1;
    private long _input;
    private long _cacheRead;
    private long _cacheCreation;
    private byte[]? _scratch;

    protected override bool OnEvent(ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        // One pass over the event picks every field any event type needs.
        ReadOnlySpan<byte> type = default, delta = default, block = default, message = default, usage = default, error = default;
        var index = 0;
        var properties = new JsonProperties(data);
        while (properties.Next(out var name, out var value))
        {
            switch (name.Length)
            {
                case 4 when name.SequenceEqual("type"u8):
                    type = value;
                    break;
                case 5 when name.SequenceEqual("index"u8):
                    index = (int)JsonProbe.Number(value);
                    break;
                case 5 when name.SequenceEqual("delta"u8):
                    delta = value;
                    break;
                case 5 when name.SequenceEqual("usage"u8):
                    usage = value;
                    break;
                case 5 when name.SequenceEqual("error"u8):
                    error = value;
                    break;
                case 7 when name.SequenceEqual("message"u8):
                    message = value;
                    break;
                case 13 when name.SequenceEqual("content_block"u8):
                    block = value;
                    break;
            }
        }

        var t = type.Length > 2 ? type[1..^1] : eventType;
        if (t.SequenceEqual("content_block_delta"u8))
        {
            return OnDelta(index, delta, output);
        }

        if (t.SequenceEqual("content_block_start"u8))
        {
            return OnBlockStart(index, block, output);
        }

        if (t.SequenceEqual("content_block_stop"u8))
        {
            return OnBlockStop(index, output);
        }

        if (t.SequenceEqual("message_start"u8))
        {
            OnMessageStart(message, output);
        }
        else if (t.SequenceEqual("message_delta"u8))
        {
            OnMessageDelta(delta, usage, output);
        }
        else if (t.SequenceEqual("message_stop"u8))
        {
            EnsureStarted(output);
            End(output);
        }
        else if (t.SequenceEqual("error"u8))
        {
            OnError(error, output);
        }

        // ping and event types added later carry nothing for an OpenAI client.
        return false;
    }

    private void OnMessageStart(ReadOnlySpan<byte> message, IBufferWriter<byte> output)
    {
        if (!message.IsEmpty)
        {
            if (JsonProbe.TryGet(message, "id"u8, out var id))
            {
                Chunks.SetId(JsonProbe.Unescape(id, ref _scratch));
            }

            if (JsonProbe.TryGet(message, "model"u8, out var model))
            {
                Chunks.SetModel(JsonProbe.Unescape(model, ref _scratch));
            }

            if (JsonProbe.TryGet(message, "usage"u8, out var usage))
            {
                AnthropicUsage.Apply(usage, ref CurrentUsage, ref _input, ref _cacheRead, ref _cacheCreation);
            }
        }

        EnsureStarted(output);
    }

    private bool OnBlockStart(int index, ReadOnlySpan<byte> block, IBufferWriter<byte> output)
    {
        EnsureStarted(output);
        if (!JsonProbe.TryGet(block, "type"u8, out var type))
        {
            SetBlock(index, IgnoredBlock);
            return false;
        }

        if (JsonProbe.IsString(type, "text"u8))
        {
            SetBlock(index, TextBlock);
            if (JsonProbe.TryGet(block, "text"u8, out var text) && !JsonOutput.IsEmptyString(text))
            {
                Chunks.Text(output, "content"u8, text);
                return true;
            }

            return false;
        }

        if (JsonProbe.IsString(type, "thinking"u8))
        {
            SetBlock(index, ThinkingBlock);
            return false;
        }

        if (JsonProbe.IsString(type, "tool_use"u8)
            && JsonProbe.TryGet(block, "id"u8, out var id)
            && JsonProbe.TryGet(block, "name"u8, out var name))
        {
            var toolIndex = _toolCount++;
            SetBlock(index, toolIndex);
            _toolAwaitingArguments = toolIndex;
            Chunks.ToolCallStart(output, toolIndex, id, name, default);
            return true;
        }

        // server_tool_use, *_tool_result, redacted_thinking, ...
        SetBlock(index, IgnoredBlock);
        return false;
    }

    private bool OnBlockStop(int index, IBufferWriter<byte> output)
    {
        var kind = BlockKind(index);
        if (kind < 0 || kind != _toolAwaitingArguments)
        {
            return false;
        }

        _toolAwaitingArguments = -1;
        Chunks.ToolCallArguments(output, kind, "\"{}\""u8);
        return true;
    }

    private bool OnDelta(int index, ReadOnlySpan<byte> delta, IBufferWriter<byte> output)
    {
        ReadOnlySpan<byte> type = default, text = default;
        var properties = new JsonProperties(delta);
        while (properties.Next(out var name, out var value))
        {
            if (name.SequenceEqual("type"u8))
            {
                type = value;
            }
            else if (name.SequenceEqual("text"u8) || name.SequenceEqual("thinking"u8) || name.SequenceEqual("partial_json"u8))
            {
                text = value;
            }
        }

        if (!JsonProbe.IsStringToken(text) || JsonOutput.IsEmptyString(text))
        {
            return false;
        }

        if (JsonProbe.IsString(type, "text_delta"u8))
        {
            EnsureStarted(output);
            Chunks.Text(output, "content"u8, text);
            return true;
        }

        if (JsonProbe.IsString(type, "thinking_delta"u8))
        {
            EnsureStarted(output);
            Chunks.Text(output, "reasoning_content"u8, text);
            return true;
        }

        var kind = BlockKind(index);
        if (JsonProbe.IsString(type, "input_json_delta"u8) && kind >= 0)
        {
            if (kind == _toolAwaitingArguments)
            {
                _toolAwaitingArguments = -1;
            }

            Chunks.ToolCallArguments(output, kind, text);
            return true;
        }

        // signature_delta, citations_delta, server tool input: nothing OpenAI-shaped to relay.
        return false;
    }

    private void OnMessageDelta(ReadOnlySpan<byte> delta, ReadOnlySpan<byte> usage, IBufferWriter<byte> output)
    {
        EnsureStarted(output);
        if (!usage.IsEmpty)
        {
            AnthropicUsage.Apply(usage, ref CurrentUsage, ref _input, ref _cacheRead, ref _cacheCreation);
        }

        if (!JsonProbe.TryGet(delta, "stop_reason"u8, out var stop)
            || !JsonProbe.IsStringToken(stop))
        {
            return;
        }

        var reason = stop[1..^1];
        if (reason.SequenceEqual("refusal"u8)
            && JsonProbe.TryGet(delta, "stop_details"u8, out var details)
            && JsonProbe.TryGet(details, "explanation"u8, out var explanation)
            && JsonProbe.IsStringToken(explanation))
        {
            Chunks.Text(output, "refusal"u8, explanation);
        }

        Chunks.Finish(output, AnthropicFinishReasons.Map(reason));
    }

    private void OnError(ReadOnlySpan<byte> error, IBufferWriter<byte> output)
    {
        var message = "The provider reported an error mid-stream.";
        string? code = "upstream_error";
        if (!error.IsEmpty)
        {
            if (JsonProbe.TryGet(error, "message"u8, out var m) && JsonProbe.IsStringToken(m))
            {
                message = System.Text.Encoding.UTF8.GetString(JsonProbe.Unescape(m, ref _scratch));
            }

            if (JsonProbe.TryGet(error, "type"u8, out var type) && JsonProbe.IsStringToken(type))
            {
                code = AnthropicErrors.CodeFor(type[1..^1]);
            }
        }

        Fail(output, message, code, "server_error", "provider error event: " + message);
    }

    private void SetBlock(int index, int kind)
    {
        if ((uint)index >= 4096)
        {
            return;
        }

        if (index >= _blocks.Length)
        {
            var old = _blocks.Length;
            Array.Resize(ref _blocks, Math.Max(index + 1, old * 2));
            _blocks.AsSpan(old).Fill(IgnoredBlock);
        }

        _blocks[index] = kind;
    }

    private int BlockKind(int index) => (uint)index < (uint)_blocks.Length ? _blocks[index] : IgnoredBlock;
}
