using System.Text;
using MassRouter.LoadTests.Engine;

namespace MassRouter.LoadTests.Tests;

/// <summary>The generator's byte-level SSE parsing: frames split across reads, content detection, end and error frames.</summary>
public sealed class SseScannerTests
{
    private const string Role = "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n";
    private const string Finish = "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";

    private static string Content(string text) => "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"}}]}\n\n";

    [Fact]
    public void Counts_content_frames_but_not_the_role_or_finish_chunk_and_sees_done()
    {
        var scanner = new SseScanner();
        var gaps = Stats.NewHistogram();

        scanner.Feed(Bytes(Role + Content("Hel")), 1_000, gaps);
        scanner.Feed(Bytes(Content("lo")), 2_000, gaps);
        scanner.Feed(Bytes(Finish + "data: [DONE]\n\n"), 3_000, gaps);

        Assert.Equal(2, scanner.ContentFrames);
        Assert.Equal(5, scanner.Frames);
        Assert.True(scanner.Done);
        Assert.False(scanner.ErrorFrame);
        Assert.Equal(1_000, scanner.FirstContent);
        Assert.Equal(1, gaps.TotalCount);
        Assert.Equal(1_000, scanner.MaxGap);
    }

    [Fact]
    public void Responses_stream_counts_output_text_deltas_ends_at_completed_and_fails_at_failed()
    {
        var scanner = new SseScanner();
        scanner.Feed(Bytes(
            "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"output\":[]}}\n\n"
            + "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"item\":{\"content\":[]}}\n\n"
            + "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hel\"}\n\n"), 1_000, null);
        scanner.Feed(Bytes("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"lo\"}\n\n"), 2_000, null);
        scanner.Feed(Bytes(
            "event: response.output_text.done\ndata: {\"type\":\"response.output_text.done\",\"text\":\"Hello\"}\n\n"
            + "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"output\":[{\"content\":[{\"text\":\"Hello\"}]}]}}\n\n"), 3_000, null);

        Assert.Equal(2, scanner.ContentFrames);
        Assert.Equal(1_000, scanner.FirstContent);
        Assert.True(scanner.Done);
        Assert.False(scanner.ErrorFrame);

        var failed = new SseScanner();
        failed.Feed(Bytes("event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"status\":\"failed\"}}\n\n"), 1_000, null);
        Assert.True(failed.ErrorFrame);
        Assert.False(failed.Done);
    }

    [Fact]
    public void A_frame_split_across_reads_is_timed_when_its_last_byte_arrives()
    {
        var scanner = new SseScanner();
        var frame = Bytes(Content("split"));

        scanner.Feed(frame.AsSpan(0, 17), 1_000, null);
        Assert.Equal(0, scanner.ContentFrames);
        scanner.Feed(frame.AsSpan(17), 5_000, null);

        Assert.Equal(1, scanner.ContentFrames);
        Assert.Equal(5_000, scanner.FirstContent);
    }

    [Fact]
    public void Error_events_and_anthropic_streams_are_recognised()
    {
        var openAIError = new SseScanner();
        openAIError.Feed(Bytes("data: {\"error\":{\"message\":\"boom\"}}\n\n"), 1, null);
        Assert.True(openAIError.ErrorFrame);

        var anthropic = new SseScanner();
        anthropic.Feed(Bytes("event: content_block_delta\r\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\r\n\r\n"), 1, null);
        anthropic.Feed(Bytes("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"), 2, null);
        Assert.Equal(1, anthropic.ContentFrames);
        Assert.True(anthropic.Done);
    }

    [Fact]
    public void Reset_forgets_the_previous_stream()
    {
        var scanner = new SseScanner();
        scanner.Feed(Bytes(Content("a") + "data: [DO"), 1, null);

        scanner.Reset();
        scanner.Feed(Bytes("NE]\n\n"), 2, null);

        Assert.Equal(0, scanner.ContentFrames);
        Assert.False(scanner.Done);
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
