using System.Buffers.Text;
using System.Text;

namespace MassRouter.Gateway.Redis;

/// <summary>Reads one RESP2 reply from the front of a buffer, or says that the buffer does not hold a whole one yet.</summary>
internal static class RespParser
{
    /// <summary>
    /// True with the reply and the bytes it took when <paramref name="buffer"/> starts with a complete reply; false when
    /// more bytes are needed. Throws <see cref="InvalidDataException"/> on bytes that are not RESP2.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out RespReply reply, out int consumed)
    {
        reply = default;
        consumed = 0;
        if (!TryReadLine(buffer, out var line, out var lineLength))
        {
            return false;
        }

        var type = line[0];
        var payload = line[1..];
        switch (type)
        {
            case (byte)'+':
                reply = RespReply.FromText(Encoding.UTF8.GetString(payload));
                consumed = lineLength;
                return true;
            case (byte)'-':
                reply = RespReply.FromError(Encoding.UTF8.GetString(payload));
                consumed = lineLength;
                return true;
            case (byte)':':
                reply = RespReply.FromInteger(ParseInteger(payload));
                consumed = lineLength;
                return true;
            case (byte)'$':
            {
                if (!TryReadBulk(buffer, ParseInteger(payload), lineLength, out var text, out consumed))
                {
                    return false;
                }

                reply = RespReply.FromText(text.IsEmpty && consumed == lineLength ? null : Encoding.UTF8.GetString(text));
                return true;
            }

            case (byte)'*':
                return TryParseArray(buffer, ParseInteger(payload), lineLength, out reply, out consumed);
            default:
                throw new InvalidDataException($"Unexpected RESP type byte 0x{type:x2}.");
        }
    }

    private static bool TryParseArray(ReadOnlySpan<byte> buffer, long count, int offset, out RespReply reply, out int consumed)
    {
        reply = default;
        consumed = 0;
        if (count < 0)
        {
            reply = RespReply.FromText(null);
            consumed = offset;
            return true;
        }

        var values = new long[count];
        string? notInteger = null;
        for (var i = 0; i < count; i++)
        {
            if (!TryReadLine(buffer[offset..], out var line, out var lineLength))
            {
                return false;
            }

            var payload = line[1..];
            switch (line[0])
            {
                case (byte)':':
                    values[i] = ParseInteger(payload);
                    offset += lineLength;
                    break;
                case (byte)'$':
                {
                    if (!TryReadBulk(buffer[offset..], ParseInteger(payload), lineLength, out var text, out var taken))
                    {
                        return false;
                    }

                    // Nil (Lua's false) reads as 0; a number sent as a string (HGET of a counter) as that number.
                    if (!text.IsEmpty && !(Utf8Parser.TryParse(text, out values[i], out var used) && used == text.Length))
                    {
                        notInteger ??= $"Element {i} of the reply is not an integer.";
                    }

                    offset += taken;
                    break;
                }

                case (byte)'+':
                    notInteger ??= $"Element {i} of the reply is not an integer.";
                    offset += lineLength;
                    break;
                case (byte)'-':
                    notInteger ??= Encoding.UTF8.GetString(payload);
                    offset += lineLength;
                    break;
                default:
                    // Nested arrays are not something the metering scripts return.
                    throw new InvalidDataException($"Unexpected RESP type byte 0x{line[0]:x2} inside an array.");
            }
        }

        reply = notInteger is null ? RespReply.FromArray(values) : RespReply.FromError(notInteger);
        consumed = offset;
        return true;
    }

    /// <summary>A bulk string of <paramref name="length"/> bytes after its header line; a negative length is nil.</summary>
    private static bool TryReadBulk(ReadOnlySpan<byte> buffer, long length, int headerLength, out ReadOnlySpan<byte> text, out int consumed)
    {
        text = default;
        consumed = 0;
        if (length < 0)
        {
            consumed = headerLength;
            return true;
        }

        var end = headerLength + length + 2;
        if (end > buffer.Length)
        {
            return false;
        }

        if (buffer[(int)end - 2] != (byte)'\r' || buffer[(int)end - 1] != (byte)'\n')
        {
            throw new InvalidDataException("A RESP bulk string is not followed by CRLF.");
        }

        text = buffer.Slice(headerLength, (int)length);
        consumed = (int)end;
        return true;
    }

    private static bool TryReadLine(ReadOnlySpan<byte> buffer, out ReadOnlySpan<byte> line, out int length)
    {
        var end = buffer.IndexOf("\r\n"u8);
        if (end < 0)
        {
            line = default;
            length = 0;
            return false;
        }

        if (end == 0)
        {
            throw new InvalidDataException("An empty RESP line.");
        }

        line = buffer[..end];
        length = end + 2;
        return true;
    }

    private static long ParseInteger(ReadOnlySpan<byte> text) =>
        Utf8Parser.TryParse(text, out long value, out var used) && used == text.Length
            ? value
            : throw new InvalidDataException("A RESP length or integer is not a number.");
}
