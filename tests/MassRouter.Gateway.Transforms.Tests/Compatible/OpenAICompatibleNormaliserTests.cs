using System.Buffers;
using System.Text;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Compatible;
using MassRouter.Gateway.Transforms.Sse;
using MassRouter.Gateway.Transforms.Tests.Translation;
using MassRouter.Gateway.Transforms.Usage;
using MassRouter.Tests.OpenAI;

namespace MassRouter.Gateway.Transforms.Tests.Compatible;

public class OpenAICompatibleNormaliserTests
{
    /// <summary>Every recorded stream of an OpenAI-compatible provider.</summary>
    public static IEnumerable<string> StreamFixtures() =>
        new[] { "openai", "openai-compatible", "mistral", "groq", "deepseek" }
            .SelectMany(folder => Directory.GetFiles(Fixtures.PathOf(folder)).Order(StringComparer.Ordinal).Select(f => $"{folder}/{Path.GetFileName(f)}"))
            .Where(f => f.EndsWith(".sse", StringComparison.Ordinal) || f.EndsWith(".chunks.txt", StringComparison.Ordinal));

    public static TheoryData<string> Streams() => [.. StreamFixtures()];

    /// <summary>
    /// Streams that need no normalising pass byte for byte; for the others the normalised stream is stored under
    /// Expected/compatible (only those files exist, so the list of rewritten recordings is visible at a glance).
    /// </summary>
    [Theory]
    [MemberData(nameof(Streams))]
    public void RecordedStream_IsRelayedUnchangedOrNormalised(string fixture)
    {
        var input = FixtureStream.Load(Fixtures.PathOf(fixture), namedEvents: false, doneSentinel: true);
        var output = StreamRunner.RunNormaliser(input);
        var expected = Path.Combine("compatible", Path.GetFileName(fixture).Replace(".chunks.txt", ".sse", StringComparison.Ordinal));
        if (output == Encoding.UTF8.GetString(input) && !File.Exists(Path.Combine(Expected.Dir, expected)))
        {
            return;
        }

        Expected.Text(expected, output);
    }

    [Fact]
    public void AzureFilterOnlyFirstChunk_IsDropped()
    {
        var output = Run("data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\",\"prompt_filter_results\":[]}\n\ndata: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n"u8.ToArray(), true, out _);
        Assert.Equal("data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n", output);
    }

    [Fact]
    public void GroqErrorEvent_BecomesFinalErrorDataAndDone()
    {
        var output = Run("data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"reasoning\":\"hm\"}}]}\n\nevent: error\ndata: {\"error\":{\"message\":\"bad\"}}\n\ndata: {\"late\":1}\n\n"u8.ToArray(), true, out _);
        Assert.Equal("data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"hm\"}}]}\n\ndata: {\"error\":{\"message\":\"bad\"}}\n\ndata: [DONE]\n\n", output);
    }

    [Theory]
    [InlineData("data: {\"error\":{\"message\":\"bad\"}}\n\n")]
    [InlineData("data: {\"error\":{\"message\":\"bad\"}}\n\ndata: [DONE]\n\n")]
    [InlineData("data: { \"error\" : {\"message\":\"bad\"}}\n\ndata: {\"late\":1}\n\ndata: [DONE]\n\n")]
    public void OpenAIErrorChunk_EndsTheStreamWithOneDone(string tail)
    {
        var output = Run(Encoding.UTF8.GetBytes("data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"error\"}}]}\n\n" + tail), true, out _);
        var error = tail[..(tail.IndexOf("\n\n", StringComparison.Ordinal) + 2)];
        Assert.Equal("data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"error\"}}]}\n\n" + error + "data: [DONE]\n\n", output);
    }

    [Fact]
    public void GroqUsage_IsReadAndSentAsUsageChunkOnlyWhenAsked()
    {
        var input = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"x_groq\":{\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7}}}\n\n"u8.ToArray();
        var withUsage = Run(input, true, out var usage);
        Assert.Equal((5, 7), (usage.PromptTokens, usage.CompletionTokens));
        Assert.EndsWith("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12,\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}}}\n\n", withUsage, StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetString(input), Run(input, false, out usage));
        Assert.Equal(12, usage.TotalTokens);
    }

    [Theory]
    [InlineData("""{"id":"c","usage":null,"choices":[{"index":0,"delta":{"content":"x"}}]}""", """{"id":"c","choices":[{"index":0,"delta":{"content":"x"}}]}""")]
    [InlineData("""{"id":"c","choices":[{"index":0,"delta":{"content":"x"}}],"usage":null,"obfuscation":"a"}""", """{"id":"c","choices":[{"index":0,"delta":{"content":"x"}}],"obfuscation":"a"}""")]
    [InlineData("""{"usage":null,"id":"c"}""", """{"id":"c"}""")]
    [InlineData("""{ "usage" : null , "id":"c"}""", """{  "id":"c"}""")]
    [InlineData("""{"id":"c" , "usage": null }""", """{"id":"c"  }""")]
    [InlineData("""{"usage":null}""", """{}""")]
    [InlineData("""{"id":"c","choices":[{"index":0,"delta":{"content":"\"usage\":null"},"usage":null}],"x":{"usage":null},"usage":null}""", """{"id":"c","choices":[{"index":0,"delta":{"content":"\"usage\":null"},"usage":null}],"x":{"usage":null}}""")]
    public void UsageNull_IsCutOut_WhenTheGatewayAskedForUsage(string chunk, string relayed)
    {
        var input = Encoding.UTF8.GetBytes($"data: {chunk}\n\ndata: [DONE]\n\n");
        Assert.Equal($"data: {relayed}\n\ndata: [DONE]\n\n", Run(input, includeUsage: false, out _));
        Assert.Equal(Encoding.UTF8.GetString(input), Run(input, includeUsage: true, out _));
    }

    [Fact]
    public void UsageNull_IsCutOut_FromReasoningItRenames()
    {
        var output = Run("data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"reasoning\":\"hm\"}}],\"usage\":null}\n\n"u8.ToArray(), includeUsage: false, out _);
        Assert.Equal("data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"hm\"}}]}\n\n", output);
    }

    [Fact]
    public void UsageNull_IsCutOut_KeepingTheEventsOtherBytes()
    {
        var output = Run("id: 7\r\ndata:{\"id\":\"c\",\"usage\":null}\r\n\r\n"u8.ToArray(), includeUsage: false, out _);
        Assert.Equal("id: 7\r\ndata:{\"id\":\"c\"}\r\n\r\n", output);
    }

    [Fact]
    public void UsageNull_IsCutOut_FromToolCallsItFixes()
    {
        var output = Run("data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"a\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}}],\"usage\":null}\n\n"u8.ToArray(), includeUsage: false, out _);
        Assert.DoesNotContain("usage", output, StringComparison.Ordinal);
        Assert.Contains("\"index\":0,\"type\":\"function\"", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"error":{"message":"bad"},"usage":{"prompt_tokens":1}}""")]
    [InlineData("""{"id":"c","choices":[],"usage":{"prompt_tokens":1},"error":{"message":"bad"}}""")]
    public void ErrorChunk_AnywhereInTheObject_EndsTheStreamWithOneDone(string error)
    {
        var output = Run(Encoding.UTF8.GetBytes($"data: {error}\n\ndata: {{\"late\":1}}\n\n"), includeUsage: false, out _);
        Assert.Equal($"data: {error}\n\ndata: [DONE]\n\n", output);
    }

    [Fact]
    public void ToolCallsWithoutIndex_AreNumberedAcrossChunks()
    {
        var output = Run(
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"a\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}}]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"id\":\"b\",\"function\":{\"name\":\"g\",\"arguments\":\"{}\"}}]}}]}\n\n"u8.ToArray(),
            true,
            out _);
        Assert.Contains("{\"id\":\"a\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"},\"index\":0,\"type\":\"function\"}", output, StringComparison.Ordinal);
        Assert.Contains("{\"id\":\"b\",\"function\":{\"name\":\"g\",\"arguments\":\"{}\"},\"index\":1,\"type\":\"function\"}", output, StringComparison.Ordinal);
    }

    private static string Run(byte[] input, bool includeUsage, out TokenUsage usage)
    {
        usage = default;
        var normaliser = new OpenAICompatibleNormaliser(includeUsage);
        using var output = new PooledBufferWriter();
        using var reader = new SseReader();
        var start = 0;
        while (start < input.Length && reader.TryRead(input.AsSpan(start), true, out var sseEvent, out var consumed))
        {
            start += consumed;
            PassthroughEvent.Relay(normaliser, sseEvent, output, ref usage);
        }

        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
