using System.Text;
using MassRouter.Gateway.Transforms.Sse;

namespace MassRouter.Gateway.Transforms.Tests.Sse;

public class SseReaderTests
{
    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void LineEnds_AllRecognised(string eol)
    {
        var text = $"event: a{eol}data: one{eol}{eol}: comment{eol}data: two{eol}data: three{eol}{eol}";
        var events = ReadAll(Encoding.UTF8.GetBytes(text), [int.MaxValue]);
        Assert.Equal(["a|one", "|two\nthree"], events.Select(e => e.Type + "|" + e.Data));
    }

    [Fact]
    public void DataWithoutSpace_AndFieldWithoutColon()
    {
        var events = ReadAll("data:x\ndata\n\n"u8.ToArray(), [int.MaxValue]);
        var single = Assert.Single(events);
        Assert.Equal("x\n", single.Data);
    }

    [Fact]
    public void CommentOnlyEvent_HasNoData_ButKeepsRawBytes()
    {
        var input = ": OPENROUTER PROCESSING\n\ndata: {}\n\n"u8.ToArray();
        var events = ReadAll(input, [int.MaxValue]);
        Assert.Equal(2, events.Count);
        Assert.False(events[0].HasData);
        Assert.Equal(input, events.SelectMany(e => e.Raw).ToArray());
    }

    [Fact]
    public void FinalEvent_WithoutBlankLine_IsStillRead()
    {
        var events = ReadAll("data: a\n\ndata: [DONE]"u8.ToArray(), [int.MaxValue]);
        Assert.Equal(["a", "[DONE]"], events.Select(e => e.Data));
    }

    [Fact]
    public void CarriageReturnThenLineFeed_SplitAcrossReads()
    {
        var input = "data: a\r\n\r\ndata: b\r\n\r\n"u8.ToArray();
        for (var split = 1; split < input.Length; split++)
        {
            var events = ReadAll(input, [split, int.MaxValue]);
            Assert.Equal(["a", "b"], Meaningful(events).Select(e => e.Data));
            Assert.Equal(input, events.SelectMany(e => e.Raw).ToArray());
        }
    }

    [Fact]
    public void MultiByteUtf8_SplitInsideCharacter()
    {
        var input = Encoding.UTF8.GetBytes("data: héllo 😀 wörld\n\n");
        for (var split = 1; split < input.Length; split++)
        {
            var events = ReadAll(input, [split, int.MaxValue]);
            Assert.Equal("héllo 😀 wörld", Assert.Single(events).Data);
        }
    }

    [Theory]
    [InlineData("openai/openai-chat-stream-parallel-tool-calls-include-usage.sse")]
    [InlineData("openai/openai-chat-stream-refusal-delta.sse")]
    [InlineData("openai-compatible/openrouter-stream-comments-then-error-chunk.sse")]
    [InlineData("google/gemini-stream-text-raw.sse")]
    [InlineData("anthropic/anthropic-stream-text-raw.sse")]
    [InlineData("groq/groq-stream-reasoning-then-error-event-tool-use-failed.sse")]
    public void RecordedStream_SameEvents_WhateverTheReadSizes(string fixture)
    {
        var input = File.ReadAllBytes(Fixtures.PathOf(fixture));
        var whole = ReadAll(input, [int.MaxValue]);
        Assert.NotEmpty(whole);
        Assert.Equal(input, whole.SelectMany(e => e.Raw).ToArray());
        var random = new Random(fixture.Length);
        for (var run = 0; run < 50; run++)
        {
            var sizes = Enumerable.Range(0, 64).Select(_ => random.Next(1, 40)).Append(int.MaxValue).ToArray();
            var split = ReadAll(input, sizes);
            Assert.Equal(Meaningful(whole).Select(e => (e.Type, e.Data, e.HasData)), Meaningful(split).Select(e => (e.Type, e.Data, e.HasData)));
            Assert.Equal(input, split.SelectMany(e => e.Raw).ToArray());
        }
    }

    /// <summary>Leaves out what a split read may hand back on its own: line-end bytes that complete a previous event.</summary>
    internal static IEnumerable<ReadEvent> Meaningful(IEnumerable<ReadEvent> events) =>
        events.Where(e => e.HasData || e.Raw.Any(b => b is not ((byte)'\r' or (byte)'\n')));

    internal sealed record ReadEvent(string Type, string Data, bool HasData, byte[] Raw);

    /// <summary>Feeds <paramref name="input"/> in reads of the given sizes (the last one repeated), as a network would.</summary>
    internal static List<ReadEvent> ReadAll(byte[] input, int[] readSizes)
    {
        using var reader = new SseReader();
        var events = new List<ReadEvent>();
        var pending = new List<byte>();
        var offset = 0;
        var sizeIndex = 0;
        while (true)
        {
            var size = readSizes[Math.Min(sizeIndex++, readSizes.Length - 1)];
            var take = (int)Math.Min((long)size, input.Length - offset);
            pending.AddRange(input.AsSpan(offset, take));
            offset += take;
            var final = offset == input.Length;
            var buffer = pending.ToArray();
            var start = 0;
            while (start < buffer.Length && reader.TryRead(buffer.AsSpan(start), final, out var e, out var consumed))
            {
                events.Add(new ReadEvent(Encoding.UTF8.GetString(e.EventType), Encoding.UTF8.GetString(e.Data), e.HasData, e.Raw.ToArray()));
                start += consumed;
            }

            pending.RemoveRange(0, start);
            if (final)
            {
                Assert.Empty(pending);
                return events;
            }
        }
    }
}
