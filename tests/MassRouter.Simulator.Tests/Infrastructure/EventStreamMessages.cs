using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace MassRouter.Simulator.Tests.Infrastructure;

/// <summary>
/// Decodes an AWS event-stream body (application/vnd.amazon.eventstream) into its messages, checking both CRCs of each.
/// Written from the format's description, apart from the simulator's encoder, with its own CRC32 (IEEE, reflected).
/// </summary>
internal static class EventStreamMessages
{
    private static readonly uint[] _crcTable = BuildCrcTable();

    public static List<EventStreamMessage> Decode(byte[] body)
    {
        var messages = new List<EventStreamMessage>();
        var offset = 0;
        while (offset < body.Length)
        {
            Assert.True(body.Length - offset >= 16, $"A truncated message at offset {offset}.");
            var total = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(offset));
            var headersLength = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(offset + 4));
            Assert.True(total >= 16 && total <= body.Length - offset, $"Message at {offset}: total length {total} out of range.");
            var message = body.AsSpan(offset, total);
            Assert.Equal(Crc32(message[..8]), BinaryPrimitives.ReadUInt32BigEndian(message[8..]));
            Assert.Equal(Crc32(message[..^4]), BinaryPrimitives.ReadUInt32BigEndian(message[^4..]));

            var headers = new List<KeyValuePair<string, string>>();
            var cursor = message.Slice(12, headersLength);
            while (!cursor.IsEmpty)
            {
                var nameLength = cursor[0];
                var name = Encoding.UTF8.GetString(cursor.Slice(1, nameLength));
                Assert.Equal(7, cursor[1 + nameLength]);
                var valueLength = BinaryPrimitives.ReadUInt16BigEndian(cursor[(2 + nameLength)..]);
                headers.Add(new(name, Encoding.UTF8.GetString(cursor.Slice(4 + nameLength, valueLength))));
                cursor = cursor[(4 + nameLength + valueLength)..];
            }

            messages.Add(new EventStreamMessage(headers, message[(12 + headersLength)..^4].ToArray()));
            offset += total;
        }

        return messages;
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc = _crcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}

/// <summary>One decoded event-stream message: its headers in wire order and its payload.</summary>
internal sealed record EventStreamMessage(List<KeyValuePair<string, string>> Headers, byte[] Payload)
{
    public string Header(string name) => Headers.Single(h => h.Key == name).Value;

    public string? EventType => Headers.FirstOrDefault(h => h.Key == ":event-type").Value;

    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Payload);
        return document.RootElement.Clone();
    }
}
