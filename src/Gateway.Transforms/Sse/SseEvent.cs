namespace MassRouter.Gateway.Transforms.Sse;

/// <summary>One server-sent event as read off the wire: its raw bytes and its parsed fields.</summary>
public readonly ref struct SseEvent
{
    internal SseEvent(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> data, bool hasData)
    {
        Raw = raw;
        EventType = eventType;
        Data = data;
        HasData = hasData;
    }

    /// <summary>The bytes of the event exactly as received, terminating blank line included.</summary>
    public ReadOnlySpan<byte> Raw { get; }

    /// <summary>The value of the <c>event:</c> field, empty when absent.</summary>
    public ReadOnlySpan<byte> EventType { get; }

    /// <summary>The <c>data:</c> lines joined with <c>\n</c>.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>False for events made only of comments (<c>: ping</c>) or fields other than data.</summary>
    public bool HasData { get; }

    /// <summary>True when the data is the OpenAI end-of-stream sentinel <c>[DONE]</c>.</summary>
    public bool IsDone => HasData && Data.SequenceEqual("[DONE]"u8);
}
