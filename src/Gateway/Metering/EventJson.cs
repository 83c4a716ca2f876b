using MassRouter.Gateway.Redis;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// A usage event's JSON as the settle script takes it: where it lies in its journal line (copied from the mapped segment
/// straight into the command when the call is written, so it costs no array), or bytes of its own when the journal could
/// not take the line. The segment cannot be reused before the settlement is completed, which is after its call is written.
/// </summary>
internal readonly struct EventJson
{
    private readonly JournalSegment? _segment;
    private readonly long _offset;
    private readonly byte[]? _bytes;

    public EventJson(JournalSegment segment, long offset, int length)
    {
        _segment = segment;
        _offset = offset;
        Length = length;
    }

    public EventJson(byte[] bytes)
    {
        _bytes = bytes;
        Length = bytes.Length;
    }

    public int Length { get; }

    public void WriteTo(RespArguments arguments)
    {
        if (_segment is { } segment)
        {
            arguments.Value(Length, (segment, offset: _offset), static (destination, state) => state.segment.Read(state.offset, destination));
        }
        else
        {
            arguments.Value(_bytes ?? []);
        }
    }
}
