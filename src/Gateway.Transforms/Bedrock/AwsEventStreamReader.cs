using System.Buffers.Binary;
using System.IO.Hashing;
using MassRouter.Gateway.Transforms.Sse;

namespace MassRouter.Gateway.Transforms.Bedrock;

/// <summary>
/// Incremental reader of the binary AWS event stream (<c>application/vnd.amazon.eventstream</c>) Bedrock's ConverseStream
/// answers with. Each message is a 12-byte prelude (total length, headers length, CRC32 of those 8 bytes), headers, a
/// payload and a CRC32 of everything before it. A message becomes one <see cref="SseEvent"/>: its bytes as raw, its
/// payload as data, and as event type the <c>:event-type</c> header (<c>:exception-type</c> for exception messages,
/// <c>:error-code</c> for error messages). Input may be split at any byte; nothing is allocated per message, every
/// span is a slice of the input.
/// </summary>
/// <remarks>
/// A frame that cannot be read (a CRC mismatch, an impossible length, malformed headers, a partial frame when the stream
/// ends) is never thrown nor waited on: it becomes one event of type <see cref="UnreadableEventType"/> whose data names
/// the fault and which consumes all the input; from then on every byte is consumed the same way, since the framing is lost.
/// </remarks>
internal sealed class AwsEventStreamReader : IEventReader
{
    /// <summary>The media type of an AWS event stream.</summary>
    public const string MediaType = "application/vnd.amazon.eventstream";

    /// <summary>The event type of the event standing for input that is not a readable message (never a Bedrock event name).</summary>
    public const string UnreadableEventType = ":unreadable";

    private const int PreludeLength = 12;
    private const int MinMessageLength = PreludeLength + 4;

    // Far above any Bedrock event; a length beyond it is a corrupt prelude, not a message to wait for.
    private const int MaxMessageLength = 16 * 1024 * 1024;

    private bool _broken;

    /// <summary>The UTF-8 of <see cref="UnreadableEventType"/>.</summary>
    public static ReadOnlySpan<byte> Unreadable => ":unreadable"u8;

    /// <summary>The data of an unreadable event when the stream ended inside a message (it was cut short, not corrupted).</summary>
    public static ReadOnlySpan<byte> Truncated => "the stream ended inside a message"u8;

    /// <inheritdoc />
    public bool TryRead(ReadOnlySpan<byte> buffer, bool isFinalBlock, out SseEvent sseEvent, out int consumed)
    {
        sseEvent = default;
        consumed = 0;
        if (buffer.IsEmpty)
        {
            return false;
        }

        if (_broken)
        {
            return Fault(buffer, "bytes after an unreadable message"u8, out sseEvent, out consumed);
        }

        if (buffer.Length < PreludeLength)
        {
            return isFinalBlock && Fault(buffer, Truncated, out sseEvent, out consumed);
        }

        var total = BinaryPrimitives.ReadUInt32BigEndian(buffer);
        var headersLength = BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]);
        if (Crc32.HashToUInt32(buffer[..8]) != BinaryPrimitives.ReadUInt32BigEndian(buffer[8..]))
        {
            return Fault(buffer, "prelude CRC mismatch"u8, out sseEvent, out consumed);
        }

        if (total is < MinMessageLength or > MaxMessageLength || headersLength > total - MinMessageLength)
        {
            return Fault(buffer, "impossible message or headers length"u8, out sseEvent, out consumed);
        }

        if (buffer.Length < total)
        {
            return isFinalBlock && Fault(buffer, Truncated, out sseEvent, out consumed);
        }

        var message = buffer[..(int)total];
        if (Crc32.HashToUInt32(message[..^4]) != BinaryPrimitives.ReadUInt32BigEndian(message[^4..]))
        {
            return Fault(buffer, "message CRC mismatch"u8, out sseEvent, out consumed);
        }

        var headersEnd = PreludeLength + (int)headersLength;
        if (!TryReadHeaders(message[PreludeLength..headersEnd], out var eventType))
        {
            return Fault(buffer, "malformed headers"u8, out sseEvent, out consumed);
        }

        sseEvent = new SseEvent(message, eventType, message[headersEnd..^4], hasData: true);
        consumed = message.Length;
        return true;
    }

    /// <summary>Walks every header (all value types), picking the one that names the message.</summary>
    private static bool TryReadHeaders(ReadOnlySpan<byte> headers, out ReadOnlySpan<byte> eventType)
    {
        eventType = default;
        ReadOnlySpan<byte> messageType = default, name = default, exceptionType = default, errorCode = default;
        var pos = 0;
        while (pos < headers.Length)
        {
            int nameLength = headers[pos++];
            if (nameLength == 0 || pos + nameLength + 1 > headers.Length)
            {
                return false;
            }

            var header = headers.Slice(pos, nameLength);
            pos += nameLength;
            var type = headers[pos++];
            int valueLength;
            switch (type)
            {
                case 0 or 1: // true, false
                    valueLength = 0;
                    break;
                case 2: // byte
                    valueLength = 1;
                    break;
                case 3: // int16
                    valueLength = 2;
                    break;
                case 4: // int32
                    valueLength = 4;
                    break;
                case 5 or 8: // int64, timestamp
                    valueLength = 8;
                    break;
                case 9: // uuid
                    valueLength = 16;
                    break;
                case 6 or 7: // bytes, string: u16 length first
                    if (pos + 2 > headers.Length)
                    {
                        return false;
                    }

                    valueLength = BinaryPrimitives.ReadUInt16BigEndian(headers[pos..]);
                    pos += 2;
                    break;
                default:
                    return false;
            }

            if (pos + valueLength > headers.Length)
            {
                return false;
            }

            var value = headers.Slice(pos, valueLength);
            pos += valueLength;
            if (type != 7)
            {
                continue;
            }

            if (header.SequenceEqual(":message-type"u8))
            {
                messageType = value;
            }
            else if (header.SequenceEqual(":event-type"u8))
            {
                name = value;
            }
            else if (header.SequenceEqual(":exception-type"u8))
            {
                exceptionType = value;
            }
            else if (header.SequenceEqual(":error-code"u8))
            {
                errorCode = value;
            }
        }

        eventType = messageType.SequenceEqual("exception"u8) ? (exceptionType.IsEmpty ? "exception"u8 : exceptionType)
            : messageType.SequenceEqual("error"u8) ? (errorCode.IsEmpty ? "error"u8 : errorCode)
            : name;
        return true;
    }

    private bool Fault(ReadOnlySpan<byte> buffer, ReadOnlySpan<byte> reason, out SseEvent sseEvent, out int consumed)
    {
        _broken = true;
        sseEvent = new SseEvent(buffer, Unreadable, reason, hasData: true);
        consumed = buffer.Length;
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
