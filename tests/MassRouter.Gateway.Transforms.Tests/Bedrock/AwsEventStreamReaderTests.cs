using System.Text;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Bedrock;

namespace MassRouter.Gateway.Transforms.Tests.Bedrock;

public class AwsEventStreamReaderTests
{
    private static readonly byte[] Nova = File.ReadAllBytes(Fixtures.PathOf("bedrock/bedrock-converse-stream-nova.eventstream.bin"));

    [Fact]
    public void NovaRecording_IsReadMessageByMessage()
    {
        var events = ReadAll(Nova, [Nova.Length]);

        Assert.Equal("messageStart", events[0].Type);
        Assert.Equal(["contentBlockDelta"], events.Skip(1).Take(events.Count - 4).Select(e => e.Type).Distinct());
        Assert.Equal(["contentBlockStop", "messageStop", "metadata"], events.TakeLast(3).Select(e => e.Type));
        Assert.All(events, e => Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(e.Data).RootElement.ValueKind));
        Assert.Equal(Nova.Length, events.Sum(e => e.RawLength));
        using var start = JsonDocument.Parse(events[0].Data);
        Assert.Equal("assistant", start.RootElement.GetProperty("role").GetString());
        var text = string.Concat(events.Where(e => e.Type == "contentBlockDelta").Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("delta").GetProperty("text").GetString()));
        Assert.StartsWith("The capital of France is Paris", text, StringComparison.Ordinal);
        using var metadata = JsonDocument.Parse(events[^1].Data);
        Assert.True(metadata.RootElement.GetProperty("usage").GetProperty("outputTokens").GetInt32() > 0);
    }

    [Fact]
    public void NovaRecording_SplitAtEveryOffset_GivesTheSameMessages()
    {
        var whole = ReadAll(Nova, [Nova.Length]);
        for (var split = 1; split < Nova.Length; split++)
        {
            Assert.Equal(whole, ReadAll(Nova, [split, Nova.Length]));
        }
    }

    [Fact]
    public void NovaRecording_OneByteAtATime_GivesTheSameMessages() =>
        Assert.Equal(ReadAll(Nova, [Nova.Length]), ReadAll(Nova, [1]));

    [Fact]
    public void CorruptedMessageCrc_IsOneUnreadableEvent_ConsumingTheRest()
    {
        var body = Nova.ToArray();
        var first = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(body);
        body[first + 40] ^= 0x01; // inside the second message's headers

        var events = ReadAll(body, [body.Length]);

        Assert.Equal(["messageStart", AwsEventStreamReader.UnreadableEventType], events.Select(e => e.Type));
        Assert.Equal("message CRC mismatch", events[1].Data);
        Assert.Equal(body.Length - first, events[1].RawLength);
    }

    [Fact]
    public void CorruptedPrelude_IsUnreadable_EvenBeforeTheMessageHasArrived()
    {
        var body = Nova.ToArray();
        body[2] ^= 0x40;
        using var reader = new AwsEventStreamReader();

        Assert.True(reader.TryRead(body.AsSpan(0, 12), isFinalBlock: false, out var e, out var consumed));
        Assert.Equal(AwsEventStreamReader.UnreadableEventType, Encoding.UTF8.GetString(e.EventType));
        Assert.Equal("prelude CRC mismatch", Encoding.UTF8.GetString(e.Data));
        Assert.Equal(12, consumed);
        Assert.True(reader.TryRead(body.AsSpan(12, 5), isFinalBlock: false, out e, out consumed));
        Assert.Equal(5, consumed); // the framing is lost: everything after is consumed, never waited on
    }

    [Theory]
    [InlineData(15u)]
    [InlineData(16u * 1024 * 1024 + 1)]
    public void ImpossibleLength_IsUnreadable(uint length)
    {
        var prelude = new byte[12];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(prelude, length);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(prelude.AsSpan(8), System.IO.Hashing.Crc32.HashToUInt32(prelude.AsSpan(0, 8)));

        var events = ReadAll(prelude, [prelude.Length]);

        Assert.Equal([(AwsEventStreamReader.UnreadableEventType, "impossible message or headers length", 12)], events.Select(e => (e.Type, e.Data, e.RawLength)));
    }

    [Fact]
    public void TruncatedStream_WaitsForMore_ThenIsUnreadableAtTheEnd()
    {
        var cut = Nova.AsSpan(0, Nova.Length - 7).ToArray();
        using var reader = new AwsEventStreamReader();
        var offset = 0;
        var types = new List<string>();
        while (reader.TryRead(cut.AsSpan(offset), isFinalBlock: false, out var e, out var consumed))
        {
            types.Add(Encoding.UTF8.GetString(e.EventType));
            offset += consumed;
        }

        Assert.Equal("messageStop", types[^1]);
        Assert.True(reader.TryRead(cut.AsSpan(offset), isFinalBlock: true, out var last, out var rest));
        Assert.Equal(AwsEventStreamReader.UnreadableEventType, Encoding.UTF8.GetString(last.EventType));
        Assert.True(last.Data.SequenceEqual(AwsEventStreamReader.Truncated));
        Assert.Equal(cut.Length - offset, rest);
    }

    [Fact]
    public void EveryHeaderValueType_IsRead()
    {
        var headers = new List<byte>();
        void Header(string name, byte type, params byte[] value)
        {
            headers.Add((byte)name.Length);
            headers.AddRange(Encoding.ASCII.GetBytes(name));
            headers.Add(type);
            headers.AddRange(value);
        }

        Header("t", 0);
        Header("f", 1);
        Header("b", 2, 0x7f);
        Header("s", 3, 0, 1);
        Header("i", 4, 0, 0, 0, 1);
        Header("l", 5, 0, 0, 0, 0, 0, 0, 0, 1);
        Header("y", 6, 0, 3, 1, 2, 3);
        Header(":event-type", 7, [0, 8, .. Encoding.ASCII.GetBytes("metadata")]);
        Header("d", 8, 0, 0, 1, 2, 3, 4, 5, 6);
        Header("u", 9, new byte[16]);
        Header(":message-type", 7, [0, 5, .. Encoding.ASCII.GetBytes("event")]);
        var message = EventStreamFrames.Frame([.. headers], Encoding.UTF8.GetBytes("{\"usage\":{}}"));

        Assert.Equal([("metadata", "{\"usage\":{}}", message.Length)], ReadAll(message, [message.Length]).Select(e => (e.Type, e.Data, e.RawLength)));
    }

    [Fact]
    public void UnknownHeaderValueType_IsUnreadable()
    {
        var message = EventStreamFrames.Frame([1, (byte)'x', 10], Encoding.UTF8.GetBytes("{}"));

        Assert.Equal("malformed headers", Assert.Single(ReadAll(message, [message.Length])).Data);
    }

    [Fact]
    public void ExceptionAndErrorMessages_AreNamedByTheirType()
    {
        var body = EventStreamFrames.Exception("throttlingException", "{\"message\":\"slow down\"}")
            .Concat(EventStreamFrames.Message("", (":error-code", "InternalFailure"), (":error-message", "boom"), (":message-type", "error")))
            .ToArray();

        Assert.Equal(
            [("throttlingException", "{\"message\":\"slow down\"}"), ("InternalFailure", "")],
            ReadAll(body, [body.Length]).Select(e => (e.Type, e.Data)));
    }

    /// <summary>Reads the whole body, handed over in reads of the given sizes (the last size repeats).</summary>
    private static List<Message> ReadAll(byte[] body, int[] readSizes)
    {
        using var reader = new AwsEventStreamReader();
        var events = new List<Message>();
        var pending = new List<byte>();
        var offset = 0;
        var read = 0;
        while (offset < body.Length)
        {
            var size = Math.Min(readSizes[Math.Min(read++, readSizes.Length - 1)], body.Length - offset);
            pending.AddRange(body.AsSpan(offset, size));
            offset += size;
            Drain(reader, pending, offset == body.Length, events);
        }

        return events;
    }

    private static void Drain(AwsEventStreamReader reader, List<byte> pending, bool final, List<Message> events)
    {
        var buffer = pending.ToArray();
        var start = 0;
        while (start < buffer.Length && reader.TryRead(buffer.AsSpan(start), final, out var e, out var consumed))
        {
            events.Add(new Message(Encoding.UTF8.GetString(e.EventType), Encoding.UTF8.GetString(e.Data), e.Raw.Length));
            Assert.Equal(consumed, e.Raw.Length);
            start += consumed;
        }

        pending.RemoveRange(0, start);
    }

    private sealed record Message(string Type, string Data, int RawLength);
}
