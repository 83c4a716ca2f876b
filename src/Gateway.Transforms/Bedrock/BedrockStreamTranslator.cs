using System.Buffers;
using System.Text;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Bedrock;

/// <summary>
/// ConverseStream events (read by <see cref="AwsEventStreamReader"/>, one event per message, named by its event type)
/// → OpenAI chunks. Text deltas become content, reasoning deltas reasoning_content, toolUse blocks tool calls numbered in
/// order of appearance. Bedrock sends <c>messageStop</c> (the stop reason) before <c>metadata</c> (the usage): the finish
/// chunk is written at the first, the usage chunk and <c>[DONE]</c> at the second. Exception messages and unreadable
/// frames end the client stream with an error event.
/// </summary>
internal sealed class BedrockStreamTranslator : ChatStreamTranslator
{
    private byte[]? _scratch;
    private int _toolCount;

    // The content block of the tool call being streamed (Converse streams one block at a time), and whether it has sent
    // no argument fragment yet: a tool without parameters may stream none, and OpenAI clients parse the accumulated
    // arguments as JSON, so its block stop writes "{}" (what OpenAI itself sends).
    private long _toolBlock = -1;
    private bool _toolAwaitingArguments;
    private bool _stopped;
    private bool _usageSeen;

    public BedrockStreamTranslator(in TranslationContext context)
        : base(context) => Chunks.SetId(Encoding.UTF8.GetBytes(BedrockResponseTranslator.NewId()));

    protected override bool OnEvent(ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (eventType.SequenceEqual("contentBlockDelta"u8))
        {
            return OnDelta(data, output);
        }

        if (eventType.SequenceEqual("contentBlockStart"u8))
        {
            return OnBlockStart(data, output);
        }

        if (eventType.SequenceEqual("contentBlockStop"u8))
        {
            return OnBlockStop(data, output);
        }

        if (eventType.SequenceEqual("messageStart"u8))
        {
            EnsureStarted(output);
        }
        else if (eventType.SequenceEqual("messageStop"u8))
        {
            OnMessageStop(data, output);
        }
        else if (eventType.SequenceEqual("metadata"u8))
        {
            OnMetadata(data, output);
        }
        else if (eventType.SequenceEqual(AwsEventStreamReader.Unreadable))
        {
            OnUnreadable(data, output);
        }
        else if (eventType.EndsWith("Exception"u8) || eventType.SequenceEqual("exception"u8) || data.IsEmpty)
        {
            // Exception messages (throttlingException, modelStreamErrorException, ...) and error messages, whose
            // payload is empty: every Converse event carries a JSON payload.
            OnException(eventType, data, output);
        }

        // Event types added later carry nothing for an OpenAI client.
        return false;
    }

    private bool OnDelta(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (!JsonProbe.TryGet(data, "delta"u8, out var delta))
        {
            return false;
        }

        var properties = new JsonProperties(delta);
        while (properties.Next(out var name, out var value))
        {
            if (name.SequenceEqual("text"u8))
            {
                return WriteText(output, "content"u8, value);
            }

            if (name.SequenceEqual("reasoningContent"u8))
            {
                // signature and redactedContent carry nothing an OpenAI client can use.
                return JsonProbe.TryGet(value, "text"u8, out var thought) && WriteText(output, "reasoning_content"u8, thought);
            }

            if (name.SequenceEqual("toolUse"u8))
            {
                return OnToolInput(JsonProbe.Number(data, "contentBlockIndex"u8, 0), value, output);
            }
        }

        return false;
    }

    private bool WriteText(IBufferWriter<byte> output, ReadOnlySpan<byte> field, ReadOnlySpan<byte> text)
    {
        if (!JsonProbe.IsStringToken(text) || JsonOutput.IsEmptyString(text))
        {
            return false;
        }

        EnsureStarted(output);
        Chunks.Text(output, field, text);
        return true;
    }

    private bool OnBlockStart(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (!JsonProbe.TryGet(data, "start"u8, "toolUse"u8, out var toolUse)
            || !JsonProbe.TryGet(toolUse, "toolUseId"u8, out var id)
            || !JsonProbe.TryGet(toolUse, "name"u8, out var name))
        {
            return false;
        }

        EnsureStarted(output);
        _toolBlock = JsonProbe.Number(data, "contentBlockIndex"u8, 0);
        _toolAwaitingArguments = true;
        Chunks.ToolCallStart(output, _toolCount++, id, name, default);
        return true;
    }

    private bool OnToolInput(long block, ReadOnlySpan<byte> toolUse, IBufferWriter<byte> output)
    {
        if (block != _toolBlock || !JsonProbe.TryGet(toolUse, "input"u8, out var input) || !JsonProbe.IsStringToken(input) || JsonOutput.IsEmptyString(input))
        {
            return false;
        }

        _toolAwaitingArguments = false;
        Chunks.ToolCallArguments(output, _toolCount - 1, input);
        return true;
    }

    private bool OnBlockStop(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (_toolBlock < 0 || JsonProbe.Number(data, "contentBlockIndex"u8, 0) != _toolBlock)
        {
            return false;
        }

        _toolBlock = -1;
        if (!_toolAwaitingArguments)
        {
            return false;
        }

        _toolAwaitingArguments = false;
        Chunks.ToolCallArguments(output, _toolCount - 1, "\"{}\""u8);
        return true;
    }

    private void OnMessageStop(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        EnsureStarted(output);
        var reason = JsonProbe.TryGet(data, "stopReason"u8, out var raw) && JsonProbe.IsStringToken(raw) ? raw[1..^1] : "end_turn"u8;
        Chunks.Finish(output, BedrockFinishReasons.Map(reason));
        _stopped = true;
        if (_usageSeen)
        {
            End(output);
        }
    }

    private void OnMetadata(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (JsonProbe.TryGet(data, "usage"u8, out var usage))
        {
            CurrentUsage = BedrockUsage.Read(usage);
        }

        _usageSeen = true;
        if (_stopped)
        {
            End(output);
        }
    }

    /// <summary>A stream that ends after <c>messageStop</c> but without its <c>metadata</c> is complete, usage aside.</summary>
    protected override void OnUpstreamEnd(IBufferWriter<byte> output)
    {
        if (_stopped)
        {
            End(output);
        }
        else
        {
            base.OnUpstreamEnd(output);
        }
    }

    private void OnUnreadable(ReadOnlySpan<byte> reason, IBufferWriter<byte> output)
    {
        if (reason.SequenceEqual(AwsEventStreamReader.Truncated))
        {
            base.OnUpstreamEnd(output);
            return;
        }

        Fail(output, "The provider sent an unreadable event stream.", "upstream_malformed", "server_error", "unreadable event stream: " + Encoding.UTF8.GetString(reason));
    }

    private void OnException(ReadOnlySpan<byte> type, ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        var name = Encoding.UTF8.GetString(type);
        var message = (JsonProbe.TryGet(data, "message"u8, out var m) || JsonProbe.TryGet(data, "Message"u8, out m)) && JsonProbe.IsStringToken(m)
            ? Encoding.UTF8.GetString(JsonProbe.Unescape(m, ref _scratch))
            : $"The provider reported an error mid-stream ({name}).";
        var code = name switch
        {
            "throttlingException" => "rate_limit_exceeded",
            "serviceUnavailableException" => "overloaded",
            "modelTimeoutException" => "upstream_timeout",
            "validationException" => "invalid_request",
            _ => "upstream_error",
        };
        Fail(output, message, code, "server_error", $"provider {name}: {message}");
    }
}
