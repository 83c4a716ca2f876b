using System.Buffers;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Cohere;

/// <summary>
/// Cohere v2 chat event stream → OpenAI chunks. Text and thinking content blocks become content and
/// reasoning_content; the tool plan (Cohere's reasoning before calling tools) becomes reasoning_content too;
/// tool-call events map one to one onto OpenAI tool-call deltas. <c>message-end</c> carries finish reason and usage.
/// </summary>
internal sealed class CohereStreamTranslator(in TranslationContext context) : ChatStreamTranslator(context)
{
    private byte[]? _scratch;

    // The tool call that has streamed no argument text yet: a tool without parameters gets none, and OpenAI clients
    // parse the accumulated arguments as JSON, so its tool-call-end writes "{}" (what OpenAI itself sends).
    private int _toolAwaitingArguments = -1;

    protected override bool OnEvent(ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        var t = JsonProbe.TryGet(data, "type"u8, out var type) && type.Length > 2 ? type[1..^1] : eventType;
        if (t.SequenceEqual("content-delta"u8) || t.SequenceEqual("content-start"u8))
        {
            return OnContent(data, output);
        }

        if (t.SequenceEqual("tool-plan-delta"u8))
        {
            return JsonProbe.TryGet(data, "delta"u8, "message"u8, out var message)
                && JsonProbe.TryGet(message, "tool_plan"u8, out var plan)
                && WriteText(output, "reasoning_content"u8, plan);
        }

        if (t.SequenceEqual("tool-call-delta"u8) || t.SequenceEqual("tool-call-start"u8))
        {
            return OnToolCall(data, output, start: t[^1] == (byte)'t');
        }

        if (t.SequenceEqual("tool-call-end"u8))
        {
            return OnToolCallEnd((int)JsonProbe.Number(data, "index"u8, 0), output);
        }

        if (t.SequenceEqual("message-start"u8))
        {
            if (JsonProbe.TryGet(data, "id"u8, out var id))
            {
                Chunks.SetId(JsonProbe.Unescape(id, ref _scratch));
            }

            EnsureStarted(output);
        }
        else if (t.SequenceEqual("message-end"u8))
        {
            OnMessageEnd(data, output);
        }

        // content-end, citation-start/end and later additions carry nothing for an OpenAI client.
        return false;
    }

    private bool OnContent(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (!JsonProbe.TryGet(data, "delta"u8, "message"u8, out var message) || !JsonProbe.TryGet(message, "content"u8, out var content))
        {
            return false;
        }

        if (JsonProbe.TryGet(content, "text"u8, out var text))
        {
            return WriteText(output, "content"u8, text);
        }

        return JsonProbe.TryGet(content, "thinking"u8, out var thinking) && WriteText(output, "reasoning_content"u8, thinking);
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

    private bool OnToolCall(ReadOnlySpan<byte> data, IBufferWriter<byte> output, bool start)
    {
        var index = (int)JsonProbe.Number(data, "index"u8, 0);
        if (!JsonProbe.TryGet(data, "delta"u8, "message"u8, out var message)
            || !JsonProbe.TryGet(message, "tool_calls"u8, out var call)
            || !JsonProbe.TryGet(call, "function"u8, out var function))
        {
            return false;
        }

        JsonProbe.TryGet(function, "arguments"u8, out var arguments);
        EnsureStarted(output);
        if (start && JsonProbe.TryGet(call, "id"u8, out var id) && JsonProbe.TryGet(function, "name"u8, out var name))
        {
            var hasArguments = JsonProbe.IsStringToken(arguments) && !JsonOutput.IsEmptyString(arguments);
            _toolAwaitingArguments = hasArguments ? -1 : index;
            Chunks.ToolCallStart(output, index, id, name, JsonProbe.IsStringToken(arguments) ? arguments : default);
            return true;
        }

        if (!JsonProbe.IsStringToken(arguments) || JsonOutput.IsEmptyString(arguments))
        {
            return false;
        }

        if (index == _toolAwaitingArguments)
        {
            _toolAwaitingArguments = -1;
        }

        Chunks.ToolCallArguments(output, index, arguments);
        return true;
    }

    private bool OnToolCallEnd(int index, IBufferWriter<byte> output)
    {
        if (index != _toolAwaitingArguments)
        {
            return false;
        }

        _toolAwaitingArguments = -1;
        Chunks.ToolCallArguments(output, index, "\"{}\""u8);
        return true;
    }

    private void OnMessageEnd(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        EnsureStarted(output);
        if (!JsonProbe.TryGet(data, "delta"u8, out var delta))
        {
            End(output);
            return;
        }

        if (JsonProbe.TryGet(delta, "usage"u8, out var usage))
        {
            CurrentUsage = CohereUsage.Read(usage);
        }

        var reason = JsonProbe.TryGet(delta, "finish_reason"u8, out var raw) && JsonProbe.IsStringToken(raw) ? raw[1..^1] : "COMPLETE"u8;
        if (CohereFinishReasons.IsError(reason))
        {
            var message = JsonProbe.TryGet(delta, "error"u8, out var error) && JsonProbe.IsStringToken(error)
                ? System.Text.Encoding.UTF8.GetString(JsonProbe.Unescape(error, ref _scratch))
                : "The provider ended the generation with an error.";
            Fail(output, message, "upstream_error", "server_error", "provider finish_reason " + System.Text.Encoding.UTF8.GetString(reason));
            return;
        }

        Chunks.Finish(output, CohereFinishReasons.Map(reason));
        End(output);
    }
}
