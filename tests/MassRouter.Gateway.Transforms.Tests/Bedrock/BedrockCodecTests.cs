using System.Text;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Transforms.Bedrock;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Tests.Translation;
using MassRouter.Tests.OpenAI;

namespace MassRouter.Gateway.Transforms.Tests.Bedrock;

public class BedrockCodecTests
{
    private static readonly IChatCodec Codec = ChatCodecs.ForKind(ProviderKinds.Bedrock)!;

    public static TheoryData<string> Recordings => CodecFixtures.Files("bedrock", "bedrock-");

    [Theory]
    [MemberData(nameof(Recordings))]
    public void Recording_TranslatesToExpectedOpenAIOutput(string fixture) =>
        CodecFixtures.Check(Codec, fixture, namedEvents: false, doneSentinel: false);

    [Fact]
    public void Codec_NamesConversePathsAndTheEventStream()
    {
        Assert.Equal(ProviderKinds.Bedrock, Codec.Kind);
        Assert.Equal("/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse", Codec.RequestPath("us.anthropic.claude-sonnet-4-5-20250929-v1:0", stream: false));
        Assert.Equal("/model/us.amazon.nova-micro-v1%3A0/converse-stream", Codec.RequestPath("us.amazon.nova-micro-v1:0", stream: true));
        Assert.Equal("application/vnd.amazon.eventstream", Codec.StreamMediaType);
        using var reader = Codec.CreateEventReader();
        Assert.IsType<AwsEventStreamReader>(reader);
        Assert.Contains(ProviderKinds.Bedrock, ProviderKinds.All);
    }

    [Fact]
    public void TextResponse_IsAChatCompletion()
    {
        var completion = Response("bedrock/bedrock-converse-text.json", out var usage);

        var message = completion["choices"]![0]!["message"]!;
        Assert.Equal("Let me count the \"r\"s in \"strawberry\":\n\ns-t-**r**-a-w-b-e-**r**-**r**-y\n\nThere are **3** \"r\"s in \"strawberry.\"", (string?)message["content"]);
        Assert.Equal("stop", (string?)completion["choices"]![0]!["finish_reason"]);
        Assert.StartsWith("chatcmpl-", (string?)completion["id"], StringComparison.Ordinal);
        Assert.Equal((22, 57, 0), (usage.PromptTokens, usage.CompletionTokens, usage.CachedPromptTokens));
        Assert.Equal(79, (int)completion["usage"]!["total_tokens"]!);
    }

    [Fact]
    public void ToolUseResponse_IsAToolCall()
    {
        var completion = Response("bedrock/bedrock-converse-tool-call-weather.response.json", out var usage);

        var call = completion["choices"]![0]!["message"]!["tool_calls"]![0]!;
        Assert.Equal("tooluse_XjTErzm6TpyMMpDviNVY3g", (string?)call["id"]);
        Assert.Equal("get_weather", (string?)call["function"]!["name"]);
        Assert.Equal("""{"city":"Paris"}""", (string?)call["function"]!["arguments"]);
        Assert.Null(completion["choices"]![0]!["message"]!["content"]);
        Assert.Equal("tool_calls", (string?)completion["choices"]![0]!["finish_reason"]);
        Assert.Equal((572, 53), (usage.PromptTokens, usage.CompletionTokens));
    }

    [Fact]
    public void CachedPrompt_CountsInPromptTokens_AndReadsAsCached()
    {
        var body = """
            {"output":{"message":{"role":"assistant","content":[{"reasoningContent":{"reasoningText":{"text":"Hmm.","signature":"sig"}}},{"text":"Hi"}]}},
             "stopReason":"max_tokens","usage":{"inputTokens":10,"outputTokens":4,"totalTokens":134,"cacheReadInputTokens":100,"cacheWriteInputTokens":20}}
            """;
        var completion = Response(Encoding.UTF8.GetBytes(body), out var usage);

        Assert.Equal((130, 4, 100), (usage.PromptTokens, usage.CompletionTokens, usage.CachedPromptTokens));
        Assert.Equal(100, (int)completion["usage"]!["prompt_tokens_details"]!["cached_tokens"]!);
        Assert.Equal("Hmm.", (string?)completion["choices"]![0]!["message"]!["reasoning_content"]);
        Assert.Equal("length", (string?)completion["choices"]![0]!["finish_reason"]);
    }

    [Theory]
    [InlineData("end_turn", "stop")]
    [InlineData("stop_sequence", "stop")]
    [InlineData("max_tokens", "length")]
    [InlineData("model_context_window_exceeded", "length")]
    [InlineData("tool_use", "tool_calls")]
    [InlineData("guardrail_intervened", "content_filter")]
    [InlineData("content_filtered", "content_filter")]
    public void StopReason_IsMapped(string stopReason, string finishReason)
    {
        var body = $$$"""{"output":{"message":{"role":"assistant","content":[{"text":"x"}]}},"stopReason":"{{{stopReason}}}","usage":{"inputTokens":1,"outputTokens":1}}""";

        Assert.Equal(finishReason, (string?)Response(Encoding.UTF8.GetBytes(body), out _)["choices"]![0]!["finish_reason"]);
    }

    [Fact]
    public void UnexpectedBody_IsNotTranslated()
    {
        using var output = new PooledBufferWriter();
        Assert.False(Codec.TryTranslateResponse("""{"message":"no"}"""u8, CodecFixtures.Context(), output, out _));
        Assert.False(Codec.TryTranslateResponse("not json"u8, CodecFixtures.Context(), output, out _));
    }

    [Fact]
    public void TextStream_AssemblesTheAnswer_FinishBeforeUsage()
    {
        var (output, log, failure) = Stream(EventStreamFrames.Load(Fixtures.PathOf("bedrock/bedrock-converse-stream-text.chunks.txt")));

        Assert.Null(failure);
        Assert.Equal("Let me count the \"r\"s in \"strawberry\":\n\ns-t-**r**-a-w-b-e-**r**-**r**-y\n\nThere are **3** r's in \"strawberry.\"", log.Content.ToString());
        Assert.Equal("stop", log.FinishReason);
        Assert.Equal((22, 55, 77), Usage(log));
        var events = output.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("\"finish_reason\":\"stop\"", events[^3], StringComparison.Ordinal);
        Assert.Contains("\"choices\":[]", events[^2], StringComparison.Ordinal);
        Assert.Equal("data: [DONE]", events[^1]);
    }

    [Fact]
    public void ReasoningStream_GivesReasoningThenContent()
    {
        var (_, log, failure) = Stream(EventStreamFrames.Load(Fixtures.PathOf("bedrock/bedrock-converse-stream-reasoning.chunks.txt")));

        Assert.Null(failure);
        Assert.StartsWith("Let me count the r's in \"strawberry\":", log.Reasoning.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("So there are 3 r's.", log.Reasoning.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Ep0CCkgI", log.Reasoning.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("There are **3** r's", log.Content.ToString(), StringComparison.Ordinal);
        Assert.Equal("stop", log.FinishReason);
        Assert.Equal((51, 94, 145), Usage(log));
    }

    [Fact]
    public void NovaRecording_ThroughTheReader_ReadByRead_GivesTheSameAnswer()
    {
        var nova = File.ReadAllBytes(Fixtures.PathOf("bedrock/bedrock-converse-stream-nova.eventstream.bin"));
        var (whole, log, failure) = Stream(nova);

        Assert.Null(failure);
        Assert.StartsWith("The capital of France is Paris", log.Content.ToString(), StringComparison.Ordinal);
        Assert.Equal("stop", log.FinishReason);
        var (prompt, completion, total) = Usage(log);
        Assert.True(prompt > 0 && completion > 0 && total == prompt + completion);
        foreach (var size in new[] { 1, 7, 100, 1000 })
        {
            Assert.Equal(CodecFixtures.GeneratedIds(Codec, whole), CodecFixtures.GeneratedIds(Codec, Stream(nova, [size]).Output));
        }
    }

    [Fact]
    public void ToolUseStream_IsAToolCall_AndAToolWithoutInputGetsEmptyObject()
    {
        var body = Frames(
            ("messageStart", """{"role":"assistant"}"""),
            ("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"text":"Checking."}}"""),
            ("contentBlockStop", """{"contentBlockIndex":0}"""),
            ("contentBlockStart", """{"contentBlockIndex":1,"start":{"toolUse":{"toolUseId":"tooluse_1","name":"get_weather"}}}"""),
            ("contentBlockDelta", """{"contentBlockIndex":1,"delta":{"toolUse":{"input":"{\"city\":"}}}"""),
            ("contentBlockDelta", """{"contentBlockIndex":1,"delta":{"toolUse":{"input":"\"Paris\"}"}}}"""),
            ("contentBlockStop", """{"contentBlockIndex":1}"""),
            ("contentBlockStart", """{"contentBlockIndex":2,"start":{"toolUse":{"toolUseId":"tooluse_2","name":"now"}}}"""),
            ("contentBlockStop", """{"contentBlockIndex":2}"""),
            ("messageStop", """{"stopReason":"tool_use"}"""),
            ("metadata", """{"usage":{"inputTokens":5,"outputTokens":6,"totalTokens":11},"metrics":{"latencyMs":1}}"""));

        var (_, log, failure) = Stream(body);

        Assert.Null(failure);
        Assert.Equal("Checking.", log.Content.ToString());
        Assert.Equal(
            [(0, "tooluse_1", "get_weather", """{"city":"Paris"}"""), (1, "tooluse_2", "now", "{}")],
            log.ToolCalls.Select(c => (c.Key, c.Value.Id, c.Value.Name, c.Value.Arguments.ToString())));
        Assert.Equal("tool_calls", log.FinishReason);
    }

    [Theory]
    [InlineData("throttlingException", "rate_limit_exceeded")]
    [InlineData("modelStreamErrorException", "upstream_error")]
    [InlineData("serviceUnavailableException", "overloaded")]
    [InlineData("internalServerException", "upstream_error")]
    [InlineData("validationException", "invalid_request")]
    public void ExceptionMidStream_EndsWithAnErrorEvent(string exception, string code)
    {
        var body = Frames(("messageStart", """{"role":"assistant"}"""), ("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"text":"Hi"}}"""))
            .Concat(EventStreamFrames.Exception(exception, """{"message":"Something went wrong."}"""))
            .Concat(Frames(("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"text":" late"}}""")))
            .ToArray();

        var (output, log, failure) = Stream(body);

        Assert.Equal("Hi", log.Content.ToString());
        Assert.Contains($$$"""{"error":{"message":"Something went wrong.","type":"server_error","param":null,"code":"{{{code}}}"}}""", output, StringComparison.Ordinal);
        Assert.Contains(exception, failure, StringComparison.Ordinal);
        Assert.Null(log.FinishReason);
    }

    [Fact]
    public void ErrorMessageMidStream_EndsWithAnErrorEvent()
    {
        var body = Frames(("messageStart", """{"role":"assistant"}"""))
            .Concat(EventStreamFrames.Message("", (":error-code", "InternalFailure"), (":error-message", "boom"), (":message-type", "error")))
            .ToArray();

        var (output, _, failure) = Stream(body);

        Assert.Contains("The provider reported an error mid-stream (InternalFailure).", output, StringComparison.Ordinal);
        Assert.Contains("InternalFailure", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void CorruptedFrame_EndsWithAMalformedStreamError()
    {
        var nova = File.ReadAllBytes(Fixtures.PathOf("bedrock/bedrock-converse-stream-nova.eventstream.bin"));
        nova[nova.Length / 2] ^= 0x20;

        var (output, _, failure) = Stream(nova);

        Assert.Contains("\"code\":\"upstream_malformed\"", output, StringComparison.Ordinal);
        Assert.StartsWith("unreadable event stream: ", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void StreamCutInsideAMessage_EndsWithATruncationError()
    {
        var nova = File.ReadAllBytes(Fixtures.PathOf("bedrock/bedrock-converse-stream-nova.eventstream.bin"));

        var (output, log, failure) = Stream(nova[..(nova.Length / 2)]);

        Assert.StartsWith("The capital", log.Content.ToString(), StringComparison.Ordinal);
        Assert.Contains("\"code\":\"upstream_truncated\"", output, StringComparison.Ordinal);
        Assert.Equal("stream truncated", failure);
    }

    [Fact]
    public void StreamEndingBeforeMessageStop_IsCutShort()
    {
        var (output, _, failure) = Stream(Frames(("messageStart", """{"role":"assistant"}"""), ("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"text":"Hi"}}""")));

        Assert.Contains("\"code\":\"upstream_truncated\"", output, StringComparison.Ordinal);
        Assert.Equal("stream truncated", failure);
    }

    [Fact]
    public void StreamEndingAfterMessageStopWithoutMetadata_IsComplete()
    {
        var (output, log, failure) = Stream(Frames(("messageStart", """{"role":"assistant"}"""), ("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"text":"Hi"}}"""), ("messageStop", """{"stopReason":"max_tokens"}""")));

        Assert.Null(failure);
        Assert.Equal("length", log.FinishReason);
        Assert.EndsWith("data: [DONE]\n\n", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(400, """{"message":"The provided model identifier is invalid."}""", 400, "invalid_request_error", null)]
    [InlineData(403, """{"message":"You don't have access to the model with the specified model ID."}""", 403, "invalid_request_error", "permission_denied")]
    [InlineData(404, """{"Message":"Could not resolve the foundation model from the model identifier."}""", 404, "invalid_request_error", "model_not_found")]
    [InlineData(408, """{"message":"Model has timed out in processing the request."}""", 504, "server_error", "upstream_timeout")]
    [InlineData(424, """{"message":"Received error from the model."}""", 502, "server_error", "upstream_error")]
    [InlineData(429, """{"message":"Too many requests, please wait before trying again."}""", 429, "rate_limit_error", "rate_limit_exceeded")]
    [InlineData(500, """{"message":"Internal server error."}""", 500, "server_error", "upstream_error")]
    [InlineData(503, """{"message":"Service unavailable."}""", 503, "server_error", "overloaded")]
    public void ErrorBody_IsAnOpenAIError(int status, string body, int clientStatus, string type, string? code)
    {
        using var output = new PooledBufferWriter();
        Assert.Equal(clientStatus, Codec.TranslateError(status, Encoding.UTF8.GetBytes(body), output));

        var error = JsonNode.Parse(output.WrittenSpan)!["error"]!;
        Assert.Equal(JsonNode.Parse(body)!.AsObject().Single().Value!.GetValue<string>(), (string?)error["message"]);
        Assert.Equal((type, code), ((string?)error["type"], (string?)error["code"]));
    }

    [Fact]
    public void UnparsedErrorBody_KeepsTheText()
    {
        using var output = new PooledBufferWriter();
        Assert.Equal(502, Codec.TranslateError(502, "<html>Bad Gateway</html>"u8, output));
        Assert.Contains("The provider returned HTTP 502: <html>Bad Gateway</html>", Encoding.UTF8.GetString(output.WrittenSpan), StringComparison.Ordinal);
    }

    private static JsonNode Response(string fixture, out Usage.TokenUsage usage) => Response(File.ReadAllBytes(Fixtures.PathOf(fixture)), out usage);

    private static JsonNode Response(byte[] body, out Usage.TokenUsage usage)
    {
        using var output = new PooledBufferWriter();
        Assert.True(Codec.TryTranslateResponse(body, CodecFixtures.Context(), output, out usage));
        Assert.True(usage.IsKnown);
        return JsonNode.Parse(output.WrittenSpan)!;
    }

    private static byte[] Frames(params (string Type, string Payload)[] events) =>
        [.. events.SelectMany(e => EventStreamFrames.Event(e.Type, e.Payload))];

    private static (string Output, OpenAIStreamLog Log, string? Failure) Stream(byte[] body, int[]? readSizes = null)
    {
        using var translator = Codec.CreateStreamTranslator(CodecFixtures.Context());
        var output = StreamRunner.Run(translator, body, readSizes, Codec.CreateEventReader());
        CodecFixtures.AssertWellFormedStream(output);
        Assert.True(translator.IsFinished);
        return (output, OpenAIStreamLog.Read(Encoding.UTF8.GetBytes(output)), translator.Failure);
    }

    private static (int Prompt, int Completion, int Total) Usage(OpenAIStreamLog log) =>
        (log.Usage!.Value.GetProperty("prompt_tokens").GetInt32(), log.Usage.Value.GetProperty("completion_tokens").GetInt32(), log.Usage.Value.GetProperty("total_tokens").GetInt32());
}
