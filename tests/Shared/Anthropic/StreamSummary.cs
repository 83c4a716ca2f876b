using System.Text;
using Anthropic.Models.Messages;

namespace MassRouter.Tests.Anthropic;

/// <summary>What an Anthropic event stream said, accumulated from the SDK's typed events.</summary>
internal sealed class StreamSummary
{
    public List<string> Events { get; } = [];

    public StringBuilder Text { get; } = new();

    public StringBuilder Thinking { get; } = new();

    public StringBuilder ToolInput { get; } = new();

    public string? Signature { get; private set; }

    public string? ToolName { get; private set; }

    public int ToolCount { get; private set; }

    public string? StopReason { get; private set; }

    public long? InputTokens { get; private set; }

    public long? OutputTokens { get; private set; }

    private bool _inToolUse;

    public void Add(RawMessageStreamEvent streamEvent)
    {
        if (streamEvent.TryPickStart(out var start))
        {
            Events.Add("message_start");
            InputTokens = start.Message.Usage.InputTokens;
        }
        else if (streamEvent.TryPickContentBlockStart(out var blockStart))
        {
            Events.Add("content_block_start");

            // Server tools (tool search) stream input too; only the client tool_use block's input is kept.
            _inToolUse = blockStart.ContentBlock.TryPickToolUse(out var toolUse);
            if (_inToolUse)
            {
                ToolName = toolUse!.Name;
                ToolCount++;
                ToolInput.Clear();
            }
        }
        else if (streamEvent.TryPickContentBlockDelta(out var delta))
        {
            Events.Add("content_block_delta");
            if (delta.Delta.TryPickText(out var text))
            {
                Text.Append(text.Text);
            }
            else if (delta.Delta.TryPickThinking(out var thinking))
            {
                Thinking.Append(thinking.Thinking);
            }
            else if (delta.Delta.TryPickSignature(out var signature))
            {
                Signature = signature.Signature;
            }
            else if (_inToolUse && delta.Delta.TryPickInputJson(out var json))
            {
                ToolInput.Append(json.PartialJson);
            }
        }
        else if (streamEvent.TryPickContentBlockStop(out _))
        {
            Events.Add("content_block_stop");
        }
        else if (streamEvent.TryPickDelta(out var messageDelta))
        {
            Events.Add("message_delta");
            StopReason = messageDelta.Delta.StopReason?.Raw();
            OutputTokens = messageDelta.Usage.OutputTokens;
        }
        else if (streamEvent.TryPickStop(out _))
        {
            Events.Add("message_stop");
        }
    }
}
