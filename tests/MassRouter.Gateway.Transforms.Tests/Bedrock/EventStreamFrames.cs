using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;

namespace MassRouter.Gateway.Transforms.Tests.Bedrock;

/// <summary>
/// A test-side encoder of AWS event-stream messages, to replay Bedrock's decoded recordings (<c>.chunks.txt</c>: one
/// <c>{"eventType":payload}</c> per line) as the binary body Bedrock sends.
/// </summary>
internal static class EventStreamFrames
{
    public const string Extension = ".eventstream.bin";

    /// <summary>A raw recording as is; a <c>.chunks.txt</c> one framed line by line as event messages.</summary>
    public static byte[] Load(string path)
    {
        if (path.EndsWith(Extension, StringComparison.Ordinal))
        {
            return File.ReadAllBytes(path);
        }

        var body = new List<byte>();
        foreach (var line in File.ReadAllLines(path).Where(l => l.Length > 0))
        {
            using var document = JsonDocument.Parse(line);
            var property = document.RootElement.EnumerateObject().Single();
            body.AddRange(Event(property.Name, property.Value.GetRawText()));
        }

        return [.. body];
    }

    public static byte[] Event(string eventType, string payload) =>
        Message(payload, (":event-type", eventType), (":content-type", "application/json"), (":message-type", "event"));

    public static byte[] Exception(string exceptionType, string payload) =>
        Message(payload, (":exception-type", exceptionType), (":content-type", "application/json"), (":message-type", "exception"));

    /// <summary>A message with string headers.</summary>
    public static byte[] Message(string payload, params (string Name, string Value)[] headers)
    {
        var encoded = new List<byte>();
        foreach (var (name, value) in headers)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            encoded.Add((byte)name.Length);
            encoded.AddRange(Encoding.UTF8.GetBytes(name));
            encoded.Add(7);
            encoded.Add((byte)(bytes.Length >> 8));
            encoded.Add((byte)bytes.Length);
            encoded.AddRange(bytes);
        }

        return Frame([.. encoded], Encoding.UTF8.GetBytes(payload));
    }

    /// <summary>A message of already encoded headers, with both CRCs right.</summary>
    public static byte[] Frame(byte[] headers, byte[] payload)
    {
        var message = new byte[12 + headers.Length + payload.Length + 4];
        BinaryPrimitives.WriteUInt32BigEndian(message, (uint)message.Length);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(4), (uint)headers.Length);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(8), Crc32.HashToUInt32(message.AsSpan(0, 8)));
        headers.CopyTo(message, 12);
        payload.CopyTo(message, 12 + headers.Length);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(message.Length - 4), Crc32.HashToUInt32(message.AsSpan(0, message.Length - 4)));
        return message;
    }
}
