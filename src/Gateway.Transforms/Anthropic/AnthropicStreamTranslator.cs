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
    private long _input;
    private long _cacheRead;
    private long _cacheCreation;
    private byte[]? _scratch;

    protected override bool OnEvent(ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (!JsonProbe.TryGet(data, "type"u8, out var type))
        {
            type = default;
        }

        var t = type.Length > 2 ? type[1..^1] : eventType;
        if (t.SequenceEqual("content_block_delta"u8))
        {
            return OnDelta(data, output);
        }

        if (t.SequenceEqual("content_block_start"u8))
        {
            return OnBlockStart(data, output);
        }

        if (t.SequenceEqual("message_start"u8))
        {
            OnMessageStart(data, output);
        }
        else if (t.SequenceEqual("message_delta"u8))
        {
            OnMessageDelta(data, output);
        }
        else if (t.SequenceEqual("message_stop"u8))
        {
            EnsureStarted(output);
            End(output);
        }
        else if (t.SequenceEqual("error"u8))
        {
            OnError(data, output);
        }

        // ping, content_block_stop and event types added later carry nothing for an OpenAI client.
        return false;
    }

    private void OnMessageStart(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (JsonProbe.TryGet(data, "message"u8, out var message))
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

    private bool OnBlockStart(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        EnsureStarted(output);
        var index = (int)JsonProbe.Number(data, "index"u8, 0);
        if (!JsonProbe.TryGet(data, "content_block"u8, out var block) || !JsonProbe.TryGet(block, "type"u8, out var type))
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
            Chunks.ToolCallStart(output, toolIndex, id, name, default);
            return true;
        }

        // server_tool_use, *_tool_result, redacted_thinking, ...
        SetBlock(index, IgnoredBlock);
        return false;
    }

    private bool OnDelta(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        var index = (int)JsonProbe.Number(data, "index"u8, 0);
        if (!JsonProbe.TryGet(data, "delta"u8, out var delta) || !JsonProbe.TryGet(delta, "type"u8, out var type))
        {
            return false;
        }

        var kind = BlockKind(index);
        if (JsonProbe.IsString(type, "text_delta"u8))
        {
            return WriteText(output, "content"u8, delta, "text"u8);
        }

        if (JsonProbe.IsString(type, "thinking_delta"u8))
        {
            return WriteText(output, "reasoning_content"u8, delta, "thinking"u8);
        }

        if (JsonProbe.IsString(type, "input_json_delta"u8) && kind >= 0
            && JsonProbe.TryGet(delta, "partial_json"u8, out var fragment) && !JsonOutput.IsEmptyString(fragment))
        {
            Chunks.ToolCallArguments(output, kind, fragment);
            return true;
        }

        // signature_delta, citations_delta, server tool input: nothing OpenAI-shaped to relay.
        return false;
    }

    private bool WriteText(IBufferWriter<byte> output, ReadOnlySpan<byte> field, ReadOnlySpan<byte> delta, ReadOnlySpan<byte> name)
    {
        if (!JsonProbe.TryGet(delta, name, out var text) || JsonOutput.IsEmptyString(text))
        {
            return false;
        }

        EnsureStarted(output);
        Chunks.Text(output, field, text);
        return true;
    }

    private void OnMessageDelta(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        EnsureStarted(output);
        if (JsonProbe.TryGet(data, "usage"u8, out var usage))
        {
            AnthropicUsage.Apply(usage, ref CurrentUsage, ref _input, ref _cacheRead, ref _cacheCreation);
        }

        if (!JsonProbe.TryGet(data, "delta"u8, out var delta)
            || !JsonProbe.TryGet(delta, "stop_reason"u8, out var stop)
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

    private void OnError(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        var message = "The provider reported an error mid-stream.";
        string? code = "upstream_error";
        if (JsonProbe.TryGet(data, "error"u8, out var error))
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
