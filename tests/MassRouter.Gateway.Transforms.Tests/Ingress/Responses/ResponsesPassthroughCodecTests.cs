using System.Text;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Responses;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Sse;
using MassRouter.Gateway.Transforms.Tests.Translation;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Tests.Ingress.Responses;

public class ResponsesPassthroughCodecTests
{
    private static readonly TranslationContext Context = new("gpt-5", 0, IncludeUsage: true);

    private const string UsageJson =
        """{"input_tokens":120,"input_tokens_details":{"cached_tokens":64},"output_tokens":42,"output_tokens_details":{"reasoning_tokens":30},"total_tokens":162}""";

    /// <summary>A Responses stream in OpenAI's framing: created, a reasoning summary delta, two text deltas, completed.</summary>
    private static readonly string Stream = string.Concat(
        Event("response.created", """{"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","output":[],"usage":null}}"""),
        Event("response.reasoning_summary_text.delta", """{"type":"response.reasoning_summary_text.delta","sequence_number":1,"item_id":"rs_1","output_index":0,"summary_index":0,"delta":"Thinking é"}"""),
        Event("response.output_text.delta", """{"type":"response.output_text.delta","sequence_number":2,"item_id":"msg_1","output_index":1,"content_index":0,"delta":"Hel","logprobs":[]}"""),
        Event("response.output_text.delta", """{"type":"response.output_text.delta","sequence_number":3,"item_id":"msg_1","output_index":1,"content_index":0,"delta":"lo","logprobs":[]}"""),
        Event("response.output_text.done", """{"type":"response.output_text.done","sequence_number":4,"item_id":"msg_1","output_index":1,"content_index":0,"text":"Hello","logprobs":[]}"""),
        Event("response.completed", """{"type":"response.completed","sequence_number":5,"response":{"id":"resp_1","object":"response","status":"completed","output":[],"usage":""" + UsageJson + "}}"));

    [Fact]
    public void Stream_IsRelayedByteForByte_WithTheUsageOfItsCompletedEvent_OutputMarkedOnDeltas()
    {
        using var translator = ResponsesPassthroughCodec.Instance.CreateStreamTranslator(Context);

        var output = StreamRunner.Run(translator, Encoding.UTF8.GetBytes(Stream), [7, 1, 64, 3]);

        Assert.Equal(Stream, output);
        Assert.True(translator.IsFinished);
        Assert.Null(translator.Failure);
        Assert.Equal(new TokenUsage(120, 42, 64, 30) { IsKnown = true }, translator.Usage);
        Assert.Equal(3, OutputEvents(Stream));
    }

    [Fact]
    public void EventsWithoutAnEventLine_AreReadByTheirType()
    {
        var dataOnly = string.Concat(Stream.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e[(e.IndexOf('\n') + 1)..] + "\n\n"));
        using var translator = ResponsesPassthroughCodec.Instance.CreateStreamTranslator(Context);

        var output = StreamRunner.Run(translator, Encoding.UTF8.GetBytes(dataOnly));

        Assert.Equal(dataOnly, output);
        Assert.True(translator.IsFinished);
        Assert.Equal(42, translator.Usage.CompletionTokens);
        Assert.Equal(3, OutputEvents(dataOnly));
    }

    [Theory]
    [InlineData("response.failed", """{"type":"response.failed","sequence_number":1,"response":{"status":"failed","error":{"code":"server_error","message":"boom"},"usage":""" + UsageJson + "}}", true)]
    [InlineData("response.incomplete", """{"type":"response.incomplete","sequence_number":1,"response":{"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"},"usage":""" + UsageJson + "}}", false)]
    [InlineData("error", """{"type":"error","code":"server_error","message":"boom","param":null,"sequence_number":1}""", true)]
    public void TerminalEvents_EndTheStream_FailuresAsFailures(string type, string data, bool failure)
    {
        var input = Event("response.created", """{"type":"response.created","sequence_number":0,"response":{"usage":null}}""") + Event(type, data);
        using var translator = ResponsesPassthroughCodec.Instance.CreateStreamTranslator(Context);

        var output = StreamRunner.Run(translator, Encoding.UTF8.GetBytes(input));

        Assert.Equal(input, output);
        Assert.True(translator.IsFinished);
        Assert.Equal(failure, translator.Failure is not null);
        Assert.Equal(type != "error", translator.Usage.IsKnown);
    }

    [Fact]
    public void StreamCutBeforeItsTerminalEvent_EndsWithAnErrorEvent_NumberedNext()
    {
        var cut = Stream[..Stream.IndexOf("event: response.output_text.done", StringComparison.Ordinal)];
        using var translator = ResponsesPassthroughCodec.Instance.CreateStreamTranslator(Context);

        var output = StreamRunner.Run(translator, Encoding.UTF8.GetBytes(cut));

        Assert.StartsWith(cut, output, StringComparison.Ordinal);
        var added = output[cut.Length..];
        Assert.StartsWith("event: error\ndata: ", added, StringComparison.Ordinal);
        Assert.EndsWith("\n\n", added, StringComparison.Ordinal);
        var error = JsonNode.Parse(added["event: error\ndata: ".Length..].Trim())!;
        Assert.Equal("error", (string?)error["type"]);
        Assert.Equal("server_error", (string?)error["code"]);
        Assert.Equal(4, (int)error["sequence_number"]!);
        Assert.NotNull(translator.Failure);
    }

    [Fact]
    public void Response_IsRelayedAsItCame_WithItsUsage()
    {
        var body = Encoding.UTF8.GetBytes("""{"id":"resp_1","object":"response","status":"completed","output":[{"type":"message","content":[{"type":"output_text","text":"Hi"}]}],"usage":""" + UsageJson + "}");
        using var output = new PooledBufferWriter();

        Assert.True(ResponsesPassthroughCodec.Instance.TryTranslateResponse(body, Context, output, out var usage));

        Assert.Equal(body, output.WrittenSpan.ToArray());
        Assert.Equal(new TokenUsage(120, 42, 64, 30) { IsKnown = true }, usage);
    }

    [Fact]
    public void Errors_InOpenAIsShapePassAsTheyCame_OthersAreWrapped()
    {
        var openAI = """{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"""u8.ToArray();
        using var same = new PooledBufferWriter();
        Assert.Equal(429, ResponsesPassthroughCodec.Instance.TranslateError(429, openAI, same));
        Assert.Equal(openAI, same.WrittenSpan.ToArray());

        using var wrapped = new PooledBufferWriter();
        Assert.Equal(502, ResponsesPassthroughCodec.Instance.TranslateError(502, "<html>Bad gateway</html>"u8, wrapped));
        Assert.True(OpenAIErrorWriter.IsOpenAIError(wrapped.WrittenSpan));
        Assert.Contains("<html>Bad gateway</html>", Encoding.UTF8.GetString(wrapped.WrittenSpan), StringComparison.Ordinal);
    }

    [Fact]
    public void Request_KeepsTheClientsBody_WithTheUpstreamModel()
    {
        var body = """{"model":"public/gpt","input":[{"type":"reasoning","encrypted_content":"gAAA"}],"tools":[{"type":"custom","name":"apply_patch"}],"store":false}"""u8.ToArray();
        using var output = new PooledBufferWriter();

        Assert.True(ResponsesPassthroughCodec.Instance.TryWriteRequest(body, default(ChatRequestInfo), "gpt-5-codex", output, out _));

        Assert.Equal(
            """{"model":"gpt-5-codex","input":[{"type":"reasoning","encrypted_content":"gAAA"}],"tools":[{"type":"custom","name":"apply_patch"}],"store":false}""",
            Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Equal("/responses", ResponsesPassthroughCodec.Instance.RequestPath("gpt-5-codex", stream: true));
    }

    private static string Event(string type, string data) => $"event: {type}\ndata: {data}\n\n";

    /// <summary>How many events of <paramref name="input"/> the translator reports as carrying generated output.</summary>
    private static int OutputEvents(string input)
    {
        using var translator = ResponsesPassthroughCodec.Instance.CreateStreamTranslator(Context);
        using var reader = new SseReader();
        using var sink = new PooledBufferWriter();
        var bytes = Encoding.UTF8.GetBytes(input).AsSpan();
        var count = 0;
        while (reader.TryRead(bytes, isFinalBlock: true, out var sseEvent, out var consumed))
        {
            bytes = bytes[consumed..];
            count += translator.Translate(sseEvent, sink) ? 1 : 0;
        }

        return count;
    }
}
