using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace MassRouter.Simulator.Providers.Bedrock;

/// <summary>
/// AWS's binary event-stream framing (<c>application/vnd.amazon.eventstream</c>): a 12-byte prelude (total length, headers
/// length, CRC32 of those 8 bytes, all big-endian), the headers, the payload, then a CRC32 of everything before it.
/// </summary>
internal static class AwsEventStream
{
    public const string ContentType = "application/vnd.amazon.eventstream";

    private const int PreludeLength = 12;
    private const int CrcLength = 4;
    private const byte StringHeader = 7;

    /// <summary>The headers of an event message, in the order Bedrock sends them.</summary>
    public static byte[] EventHeaders(string eventType) =>
        Headers((":event-type", eventType), (":content-type", "application/json"), (":message-type", "event"));

    /// <summary>The headers of an exception message (a stream that fails after it started).</summary>
    public static byte[] ExceptionHeaders(string exceptionType) =>
        Headers((":exception-type", exceptionType), (":content-type", "application/json"), (":message-type", "exception"));

    /// <summary>Writes one complete message into a single span of <paramref name="writer"/>: no copy, no allocation.</summary>
    public static void WriteMessage(IBufferWriter<byte> writer, ReadOnlySpan<byte> headers, ReadOnlySpan<byte> payload)
    {
        var total = PreludeLength + headers.Length + payload.Length + CrcLength;
        var message = writer.GetSpan(total)[..total];
        BinaryPrimitives.WriteInt32BigEndian(message, total);
        BinaryPrimitives.WriteInt32BigEndian(message[4..], headers.Length);
        BinaryPrimitives.WriteUInt32BigEndian(message[8..], Crc32.HashToUInt32(message[..8]));
        headers.CopyTo(message[PreludeLength..]);
        payload.CopyTo(message[(PreludeLength + headers.Length)..]);
        BinaryPrimitives.WriteUInt32BigEndian(message[(total - CrcLength)..], Crc32.HashToUInt32(message[..(total - CrcLength)]));
        writer.Advance(total);
    }

    public static byte[] Message(ReadOnlySpan<byte> headers, ReadOnlySpan<byte> payload)
    {
        var buffer = new ArrayBufferWriter<byte>(PreludeLength + headers.Length + payload.Length + CrcLength);
        WriteMessage(buffer, headers, payload);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>String headers: name length (1 byte), name, type 7, value length (2 bytes, big-endian), value.</summary>
    private static byte[] Headers(params (string Name, string Value)[] headers)
    {
        using var bytes = new MemoryStream();
        Span<byte> length = stackalloc byte[2];
        foreach (var (name, value) in headers)
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            var valueBytes = Encoding.UTF8.GetBytes(value);
            bytes.WriteByte(checked((byte)nameBytes.Length));
            bytes.Write(nameBytes);
            bytes.WriteByte(StringHeader);
            BinaryPrimitives.WriteUInt16BigEndian(length, checked((ushort)valueBytes.Length));
            bytes.Write(length);
            bytes.Write(valueBytes);
        }

        return bytes.ToArray();
    }
}
