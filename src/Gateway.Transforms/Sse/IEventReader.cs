namespace MassRouter.Gateway.Transforms.Sse;

/// <summary>
/// Splits a provider's streamed response body into events, whatever its framing: server-sent events for most providers
/// (<see cref="SseReader"/>), AWS's binary event stream for Bedrock. Every event is handed out as an <see cref="SseEvent"/>
/// (its type, its payload as data, its raw bytes), so one stream translator interface serves both.
/// </summary>
public interface IEventReader : IDisposable
{
    /// <summary>
    /// Reads the next complete event at the start of <paramref name="buffer"/>. Returns false when the buffer holds no
    /// complete event yet; call again with the same bytes plus more. <paramref name="isFinalBlock"/> says no more bytes
    /// will come.
    /// </summary>
    /// <param name="buffer">Unconsumed input, starting where the previous call's <paramref name="consumed"/> ended.</param>
    /// <param name="isFinalBlock">True when the stream has ended.</param>
    /// <param name="sseEvent">The event; its spans are valid until the next call or until the buffer changes.</param>
    /// <param name="consumed">How many bytes of <paramref name="buffer"/> the event spans.</param>
    bool TryRead(ReadOnlySpan<byte> buffer, bool isFinalBlock, out SseEvent sseEvent, out int consumed);
}
