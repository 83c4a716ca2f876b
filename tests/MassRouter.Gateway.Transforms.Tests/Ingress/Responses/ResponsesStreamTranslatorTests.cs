using System.Text;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Responses;
using MassRouter.Tests.OpenAI;

namespace MassRouter.Gateway.Transforms.Tests.Ingress.Responses;

public class ResponsesStreamTranslatorTests
{
    private const string Echo = """
        "instructions":"Be brief.","temperature":0.2,"tools":[],"store":false
        """;

    /// <summary>Every recorded OpenAI-shaped stream of a single choice that ends normally.</summary>
    public static TheoryData<string> CompleteStreams =>
    [
        "openai/openai-chat-stream-text-include-usage-long.chunks.txt",
        "openai/openai-chat-stream-finish-length.sse",
        "openai/openai-chat-stream-logprobs.sse",
        "openai/openai-chat-stream-refusal-delta.sse",
        "openai/openai-chat-stream-parallel-tool-calls-include-usage.sse",
        "openai/openai-chat-stream-tool-call-arg-fragments-include-usage.sse",
        "openai/openai-chat-stream-two-tool-calls-arg-fragments.sse",
        "openai/openai-chat-stream-moderation-chunk-after-usage.sse",
        "openai/azure-openai-chat-stream-content-filter-usage.chunks.txt",
        "deepseek/deepseek-stream-thinking-raw.sse",
        "deepseek/deepseek-stream-reasoning-tool-call.chunks.txt",
        "mistral/mistral-stream-incremental-tool-call.chunks.txt",
        "mistral/mistral-stream-text-usage.chunks.txt",
        "mistral/mistral-stream-tool-call-single-chunk.chunks.txt",
        "groq/groq-stream-tool-call-x-groq-usage.chunks.txt",
        "openai-compatible/xai-chat-stream-reasoning-tool-call.chunks.txt",
    ];

    [Theory]
    [MemberData(nameof(CompleteStreams))]
    public void RecordedStream_BecomesAResponsesStreamWithTheSameContent(string fixture)
    {
        var upstream = OpenAIStreamLog.Load(fixture);
        var log = ResponsesEventLog.Read(Translate(upstream));

        Assert.Equal(upstream.Content.ToString(), log.Text);
        Assert.Equal(upstream.Reasoning.ToString(), log.Reasoning);
        Assert.Equal(upstream.ToolCalls.Count, log.FunctionCalls.Count);
        foreach (var (call, item) in upstream.ToolCalls.Values.Zip(log.FunctionCalls))
        {
            Assert.Equal(call.Id, item.CallId);
            Assert.Equal(call.Name, item.Name);
            Assert.Equal(call.Arguments.ToString(), item.Arguments.ToString());
        }

        Assert.Equal(upstream.FinishReason is "length" or "content_filter" ? "incomplete" : "completed", log.Status);
        if (upstream.Usage is { } usage)
        {
            var reported = log.Response.GetProperty("usage");
            Assert.Equal(usage.GetProperty("prompt_tokens").GetInt64(), reported.GetProperty("input_tokens").GetInt64());
            Assert.Equal(usage.GetProperty("completion_tokens").GetInt64(), reported.GetProperty("output_tokens").GetInt64());
            Assert.Equal(usage.GetProperty("total_tokens").GetInt64(), reported.GetProperty("total_tokens").GetInt64());
        }
    }

    [Fact]
    public void TextStream_WritesTheResponsesEventSequence_NumberedFromZero()
    {
        var events = Run(
            """{"id":"c","model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}""",
            """{"id":"c","model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}""",
            """{"id":"c","model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":null}]}""",
            """{"id":"c","model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""",
            """{"id":"c","model":"gpt-4o-2024-08-06","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}""");
        var log = ResponsesEventLog.Read(events);

        Assert.Equal(
            [
                "response.created", "response.in_progress",
                "response.output_item.added", "response.content_part.added",
                "response.output_text.delta", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.completed",
            ],
            log.Events);
        Assert.Equal(Enumerable.Range(0, log.Events.Count), log.Data.Select(d => d.GetProperty("sequence_number").GetInt32()));
        Assert.Equal("Hello", log.Data[6].GetProperty("text").GetString());
        Assert.DoesNotContain("[DONE]", events, StringComparison.Ordinal);
        var message = Assert.Single(log.Response.GetProperty("output").EnumerateArray());
        Assert.Equal("msg_abc", message.GetProperty("id").GetString());
        Assert.Equal("completed", message.GetProperty("status").GetString());
        var part = Assert.Single(message.GetProperty("content").EnumerateArray());
        Assert.Equal("output_text", part.GetProperty("type").GetString());
        Assert.Equal("Hello", part.GetProperty("text").GetString());
        Assert.Empty(part.GetProperty("annotations").EnumerateArray());
    }

    [Fact]
    public void LongStream_DeltasConcatenateToTheDoneText()
    {
        var upstream = OpenAIStreamLog.Load("openai/openai-chat-stream-text-include-usage-long.chunks.txt");
        var log = ResponsesEventLog.Read(Translate(upstream));

        var deltas = log.Data.Where(d => d.GetProperty("type").GetString() == "response.output_text.delta").Select(d => d.GetProperty("delta").GetString());
        var done = log.Data.Single(d => d.GetProperty("type").GetString() == "response.output_text.done").GetProperty("text").GetString();
        Assert.True(deltas.Count() > 100);
        Assert.Equal(string.Concat(deltas), done);
        Assert.Equal(upstream.Content.ToString(), done);
        Assert.Equal(done, log.Response.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public void Usage_IsMappedFromTheChatUsage()
    {
        var log = ResponsesEventLog.Read(Translate(OpenAIStreamLog.Load("deepseek/deepseek-stream-reasoning-tool-call.chunks.txt")));

        var usage = log.Response.GetProperty("usage");
        Assert.Equal(339, usage.GetProperty("input_tokens").GetInt64());
        Assert.Equal(320, usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt64());
        Assert.Equal(83, usage.GetProperty("output_tokens").GetInt64());
        Assert.Equal(39, usage.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt64());
        Assert.Equal(422, usage.GetProperty("total_tokens").GetInt64());
    }

    [Fact]
    public void UsageWithoutDetails_ReportsZeroCachedAndReasoningTokens()
    {
        var log = ResponsesEventLog.Read(Run(
            """{"id":"c","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":1}}"""));

        var usage = log.Response.GetProperty("usage");
        Assert.Equal(0, usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt64());
        Assert.Equal(0, usage.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt64());
        Assert.Equal(5, usage.GetProperty("total_tokens").GetInt64());
    }

    [Fact]
    public void UsageNeverReported_IsNull_AndALaterNullUsageKeepsTheReportedOne()
    {
        var unreported = ResponsesEventLog.Read(Run("""{"id":"c","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}"""));
        var kept = ResponsesEventLog.Read(Run(
            """{"id":"c","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":1}}""",
            """{"id":"c","choices":[],"usage":null}"""));

        Assert.Equal(JsonValueKind.Null, unreported.Response.GetProperty("usage").ValueKind);
        Assert.Equal(4, kept.Response.GetProperty("usage").GetProperty("input_tokens").GetInt64());
    }

    [Fact]
    public void LengthFinish_EndsWithResponseIncomplete_ForMaxOutputTokens()
    {
        var log = ResponsesEventLog.Read(Translate(OpenAIStreamLog.Load("openai/openai-chat-stream-finish-length.sse")));

        Assert.Equal("response.incomplete", log.Events[^1]);
        Assert.Equal("incomplete", log.Status);
        Assert.Equal("max_output_tokens", log.Response.GetProperty("incomplete_details").GetProperty("reason").GetString());
        Assert.Equal("incomplete", log.Response.GetProperty("output")[0].GetProperty("status").GetString());
        Assert.Equal(79, log.Response.GetProperty("usage").GetProperty("input_tokens").GetInt64());
    }

    [Fact]
    public void ContentFilterFinish_EndsWithResponseIncomplete_ForContentFilter()
    {
        var log = ResponsesEventLog.Read(Run("""{"id":"c","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"content_filter"}]}"""));

        Assert.Equal("response.incomplete", log.Events[^1]);
        Assert.Equal("content_filter", log.Response.GetProperty("incomplete_details").GetProperty("reason").GetString());
    }

    [Fact]
    public void CompletedResponse_HasNoIncompleteDetailsOrError()
    {
        var log = ResponsesEventLog.Read(Translate(OpenAIStreamLog.Load("openai/openai-chat-stream-logprobs.sse")));

        Assert.Equal(JsonValueKind.Null, log.Response.GetProperty("incomplete_details").ValueKind);
        Assert.Equal(JsonValueKind.Null, log.Response.GetProperty("error").ValueKind);
        Assert.False(log.Response.GetProperty("background").GetBoolean());
        Assert.Equal("response", log.Response.GetProperty("object").GetString());
        Assert.Equal("resp_abc", log.Response.GetProperty("id").GetString());
        Assert.Equal(1_700_000_000, log.Response.GetProperty("created_at").GetInt64());
    }

    [Fact]
    public void ToolCall_ArgumentsSplitAcrossChunks_AreJoinedInTheDoneItem()
    {
        var upstream = OpenAIStreamLog.Load("openai/openai-chat-stream-tool-call-arg-fragments-include-usage.sse");
        var log = ResponsesEventLog.Read(Translate(upstream));

        var call = Assert.Single(log.FunctionCalls);
        var recorded = upstream.ToolCalls[0];
        Assert.True(log.Events.Count(e => e == "response.function_call_arguments.delta") > 1);
        Assert.Equal("fc_abc_0", call.Id);
        Assert.Equal(recorded.Id, call.CallId);
        Assert.Equal(recorded.Arguments.ToString(), call.Done!.Value.GetProperty("arguments").GetString());
        Assert.Equal("completed", call.Done.Value.GetProperty("status").GetString());
        Assert.Equal("completed", log.Status);
        Assert.Equal(
            ["response.output_item.added", "response.function_call_arguments.delta"],
            log.Events.Skip(2).Take(2));
        Assert.Equal(
            ["response.function_call_arguments.done", "response.output_item.done", "response.completed"],
            log.Events.TakeLast(3));
    }

    [Fact]
    public void SingleToolCall_InOneChunk_BecomesOneCompleteItem()
    {
        var log = ResponsesEventLog.Read(Run(
            """{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":null}]}""",
            """{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"""));

        var item = Assert.Single(log.Response.GetProperty("output").EnumerateArray());
        Assert.Equal("function_call", item.GetProperty("type").GetString());
        Assert.Equal("call_1", item.GetProperty("call_id").GetString());
        Assert.Equal("get_weather", item.GetProperty("name").GetString());
        Assert.Equal("""{"city":"Paris"}""", item.GetProperty("arguments").GetString());
    }

    [Theory]
    [InlineData("openai/openai-chat-stream-parallel-tool-calls-include-usage.sse")]
    [InlineData("openai/openai-chat-stream-two-tool-calls-arg-fragments.sse")]
    public void ParallelToolCalls_BecomeSeparateItems_EachDoneBeforeTheNextIsAdded(string fixture)
    {
        var upstream = OpenAIStreamLog.Load(fixture);
        var log = ResponsesEventLog.Read(Translate(upstream));

        Assert.Equal(2, log.FunctionCalls.Count);
        Assert.Equal(["fc_abc_0", "fc_abc_1"], log.FunctionCalls.Select(c => c.Id));
        Assert.Equal(upstream.ToolCalls.Values.Select(c => c.Id), log.FunctionCalls.Select(c => c.CallId));
        Assert.Equal(upstream.ToolCalls.Values.Select(c => c.Arguments.ToString()), log.FunctionCalls.Select(c => c.Arguments.ToString()));
        var secondAdded = log.Data.FindLastIndex(d => d.GetProperty("type").GetString() == "response.output_item.added");
        var firstDone = log.Data.FindIndex(d => d.GetProperty("type").GetString() == "response.output_item.done");
        Assert.True(firstDone < secondAdded);
    }

    [Fact]
    public void ToolCallWithoutId_GetsACallIdMadeUp()
    {
        var log = ResponsesEventLog.Read(Run(
            """{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}"""));

        Assert.Equal("call_abc_0", Assert.Single(log.FunctionCalls).CallId);
    }

    [Fact]
    public void ReasoningContent_BecomesAReasoningItem_BeforeTheMessage()
    {
        var upstream = OpenAIStreamLog.Load("deepseek/deepseek-stream-thinking-raw.sse");
        var log = ResponsesEventLog.Read(Translate(upstream));

        Assert.Equal(["reasoning", "message"], log.Items.Select(i => i.Type));
        Assert.Equal(["rs_abc", "msg_abc"], log.Items.Select(i => i.Id));
        Assert.Equal(upstream.Reasoning.ToString(), log.Reasoning);
        Assert.NotEmpty(log.Reasoning);
        var summary = Assert.Single(log.Response.GetProperty("output")[0].GetProperty("summary").EnumerateArray());
        Assert.Equal("summary_text", summary.GetProperty("type").GetString());
        Assert.Equal(upstream.Reasoning.ToString(), summary.GetProperty("text").GetString());
        Assert.Equal(
            ["response.output_item.added", "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta"],
            log.Events.Skip(2).Take(3));
        Assert.Equal(198, log.Response.GetProperty("usage").GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt64());
    }

    [Fact]
    public void ReasoningField_BecomesAReasoningItem_BeforeTheToolCall()
    {
        var log = ResponsesEventLog.Read(Translate(OpenAIStreamLog.Load("openai-compatible/xai-chat-stream-reasoning-tool-call.chunks.txt")));

        Assert.Equal(["reasoning", "function_call"], log.Items.Select(i => i.Type));
    }

    [Fact]
    public void ReasoningUnderBothNames_IsTakenOnce()
    {
        var log = ResponsesEventLog.Read(Run(
            """{"id":"c","choices":[{"index":0,"delta":{"reasoning_content":"Think","reasoning":"Think"},"finish_reason":null}]}""",
            """{"id":"c","choices":[{"index":0,"delta":{"content":"Done"},"finish_reason":"stop"}]}"""));

        Assert.Equal("Think", log.Reasoning);
    }

    [Fact]
    public void Refusal_BecomesARefusalPart()
    {
        var upstream = OpenAIStreamLog.Load("openai/openai-chat-stream-refusal-delta.sse");
        var log = ResponsesEventLog.Read(Translate(upstream));

        var message = Assert.Single(log.Items);
        var part = Assert.Single(message.Parts);
        Assert.Equal("refusal", part.Type);
        Assert.Equal(upstream.Content.ToString(), part.Text.ToString());
        Assert.Contains("response.refusal.delta", log.Events);
        Assert.Contains("response.refusal.done", log.Events);
        Assert.DoesNotContain("response.output_text.delta", log.Events);
        var content = Assert.Single(log.Response.GetProperty("output")[0].GetProperty("content").EnumerateArray());
        Assert.Equal("refusal", content.GetProperty("type").GetString());
        Assert.Equal(upstream.Content.ToString(), content.GetProperty("refusal").GetString());
    }

    [Fact]
    public void TextThenRefusal_AreTwoPartsOfOneMessage()
    {
        var log = ResponsesEventLog.Read(Run(
            """{"id":"c","choices":[{"index":0,"delta":{"content":"Well,"},"finish_reason":null}]}""",
            """{"id":"c","choices":[{"index":0,"delta":{"refusal":"no."},"finish_reason":"stop"}]}"""));

        var message = Assert.Single(log.Items);
        Assert.Equal([("output_text", "Well,"), ("refusal", "no.")], message.Parts.Select(p => (p.Type, p.Text.ToString())));
    }

    [Fact]
    public void ErrorChunkMidStream_EndsWithResponseFailed_WithTheItemsSoFar()
    {
        var upstream = OpenAIStreamLog.Load("groq/groq-stream-reasoning-then-error-event-tool-use-failed.sse");
        var log = ResponsesEventLog.Read(Translate(upstream, complete: false));

        Assert.Equal("response.failed", log.Events[^1]);
        var error = log.Response.GetProperty("error");
        Assert.Equal("tool_use_failed", error.GetProperty("code").GetString());
        Assert.StartsWith("Tool call validation failed", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        var reasoning = Assert.Single(log.Response.GetProperty("output").EnumerateArray());
        Assert.Equal("reasoning", reasoning.GetProperty("type").GetString());
        Assert.Equal(upstream.Reasoning.ToString(), reasoning.GetProperty("summary")[0].GetProperty("text").GetString());
    }

    [Fact]
    public void ErrorChunkWithoutCode_ReportsItsType()
    {
        var log = ResponsesEventLog.Read(Run("""{"error":{"message":"Overloaded","type":"server_error","code":null}}"""));

        Assert.Equal(["response.created", "response.in_progress", "response.failed"], log.Events);
        Assert.Equal("server_error", log.Response.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("Overloaded", log.Response.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public void MalformedChunk_IsReported_WritingNothing_AndFailEndsTheStream()
    {
        var translator = new ResponsesStreamTranslator("resp_abc", "gpt-sim", Encoding.UTF8.GetBytes(Echo), 1_700_000_000);
        using var output = new PooledBufferWriter();
        Assert.True(translator.TranslateChunk("""{"id":"x","choices":[{"index":0,"delta":{"content":"Hi \"there\""}}]}"""u8, output));
        var written = output.WrittenCount;

        Assert.False(translator.TranslateChunk("""{"id":"x","choices":[{"ind"""u8, output));
        Assert.Equal(written, output.WrittenCount);
        translator.Fail(output, "server_error", "Malformed \"upstream\" data.");
        translator.Complete(output);
        Assert.True(translator.TranslateChunk("""{"id":"x","choices":[{"index":0,"delta":{"content":"late"}}]}"""u8, output));

        var log = ResponsesEventLog.Read(Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Equal("response.failed", log.Events[^1]);
        Assert.Equal("Malformed \"upstream\" data.", log.Response.GetProperty("error").GetProperty("message").GetString());
        var cut = Assert.Single(log.Response.GetProperty("output").EnumerateArray());
        Assert.Equal("incomplete", cut.GetProperty("status").GetString());
        Assert.Equal("Hi \"there\"", cut.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.True(translator.IsFinished);
        Assert.False(translator.SawFinish);
    }

    [Fact]
    public void FailBeforeAnyChunk_StillStartsWithResponseCreated()
    {
        var translator = new ResponsesStreamTranslator("resp_abc", "gpt-sim", default, 1);
        using var output = new PooledBufferWriter();
        translator.Fail(output, "server_error", "No answer.");

        var log = ResponsesEventLog.Read(Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Equal(["response.created", "response.in_progress", "response.failed"], log.Events);
        Assert.Empty(log.Response.GetProperty("output").EnumerateArray());
    }

    [Fact]
    public void SawFinish_AndIsFinished_FollowTheStream()
    {
        var translator = new ResponsesStreamTranslator("resp_abc", "gpt-sim", default, 1);
        using var output = new PooledBufferWriter();
        translator.TranslateChunk("""{"id":"c","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}"""u8, output);
        Assert.False(translator.SawFinish);

        translator.TranslateChunk("""{"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"""u8, output);
        Assert.True(translator.SawFinish);
        Assert.False(translator.IsFinished);

        translator.Complete(output);
        Assert.True(translator.IsFinished);
        var written = output.WrittenCount;
        translator.Complete(output);
        translator.Fail(output, "server_error", "late");
        Assert.Equal(written, output.WrittenCount);
    }

    [Fact]
    public void Echo_IsSplicedIntoEveryResponse_AndEveryDataParses()
    {
        var log = ResponsesEventLog.Read(Translate(OpenAIStreamLog.Load("deepseek/deepseek-stream-reasoning-tool-call.chunks.txt")));

        var responses = log.Data.Where(d => d.TryGetProperty("response", out _)).Select(d => d.GetProperty("response")).ToList();
        Assert.Equal(3, responses.Count);
        Assert.All(responses, response =>
        {
            Assert.Equal("Be brief.", response.GetProperty("instructions").GetString());
            Assert.Equal(0.2, response.GetProperty("temperature").GetDouble());
            Assert.Empty(response.GetProperty("tools").EnumerateArray());
            Assert.False(response.GetProperty("store").GetBoolean());
        });
    }

    [Fact]
    public void StreamedCallOfANamespacedFunction_NamesItsNamespace_InEveryEvent()
    {
        using var translator = new ResponsesStreamTranslator("resp_abc", "m", default, 1, new ToolNamespaces(["agents"]));
        using var output = new PooledBufferWriter();
        translator.TranslateChunk("""{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"agents__spawn","arguments":""}}]}}]}"""u8, output);
        translator.TranslateChunk("""{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]},"finish_reason":"tool_calls"}]}"""u8, output);
        translator.Complete(output);

        var text = Encoding.UTF8.GetString(output.WrittenSpan);
        var log = ResponsesEventLog.Read(text);
        var call = Assert.Single(log.Response.GetProperty("output").EnumerateArray());
        Assert.Equal("agents", call.GetProperty("namespace").GetString());
        Assert.Equal("spawn", call.GetProperty("name").GetString());
        Assert.DoesNotContain("agents__spawn", text, StringComparison.Ordinal);
        // output_item.added, function_call_arguments.done, output_item.done and response.completed.
        Assert.Equal(4, text.Split("\"namespace\":\"agents\",\"name\":\"spawn\"").Length - 1);
    }

    [Fact]
    public void EmptyEcho_LeavesAValidResponse()
    {
        var translator = new ResponsesStreamTranslator("resp_abc", "gpt-sim", default, 1);
        using var output = new PooledBufferWriter();
        translator.TranslateChunk("""{"id":"c","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"stop"}]}"""u8, output);
        translator.Complete(output);

        var log = ResponsesEventLog.Read(Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.False(log.Response.TryGetProperty("instructions", out _));
        Assert.Equal("completed", log.Status);
    }

    [Theory]
    [InlineData("""{"id":"x","model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":"Hi"}}]}""", "gpt-4o-2024-08-06")]
    [InlineData("""{"id":"x","choices":[{"index":0,"delta":{"content":"Hi"}}],"model":"gpt-4o-2024-08-06"}""", "gpt-4o-2024-08-06")]
    [InlineData("""{"id":"x","choices":[{"index":0,"delta":{"content":"Hi"}}]}""", "gpt-sim")]
    [InlineData("""{"id":"x","model":"","choices":[{"index":0,"delta":{"content":"Hi"}}]}""", "gpt-sim")]
    public void EveryResponse_NamesTheModelTheChunksName_OrTheOneGiven(string chunk, string model)
    {
        var translator = new ResponsesStreamTranslator("resp_abc", "gpt-sim", default, 1);
        using var output = new PooledBufferWriter();
        translator.TranslateChunk(Encoding.UTF8.GetBytes(chunk), output);
        translator.Complete(output);

        var log = ResponsesEventLog.Read(Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Equal(model, log.Data[0].GetProperty("response").GetProperty("model").GetString());
        Assert.Equal(model, log.Response.GetProperty("model").GetString());
    }

    [Fact]
    public void EscapedText_IsCopiedAsJson()
    {
        var log = ResponsesEventLog.Read(Run(
            """{"id":"x","choices":[{"index":0,"delta":{"content":"a \"q\" \u00e9\n"}}]}""",
            """{"id":"x","choices":[{"index":0,"delta":{"content":"\\ é"},"finish_reason":"stop"}]}"""));

        Assert.Equal("a \"q\" é\n\\ é", log.Response.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public void ItemIds_DeriveFromTheResponseId_AndStayUnique()
    {
        var log = ResponsesEventLog.Read(Run(
            """{"id":"c","choices":[{"index":0,"delta":{"reasoning_content":"a"}}]}""",
            """{"id":"c","choices":[{"index":0,"delta":{"content":"b"}}]}""",
            """{"id":"c","choices":[{"index":0,"delta":{"reasoning_content":"c"}}]}""",
            """{"id":"c","choices":[{"index":0,"delta":{"content":"d"}}]}""",
            """{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"f","arguments":"{}"}}]}}]}""",
            """{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_2","function":{"name":"g","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}"""));

        Assert.Equal(["rs_abc", "msg_abc", "rs_abc_1", "msg_abc_1", "fc_abc_0", "fc_abc_1"], log.Items.Select(i => i.Id));
        Assert.Equal(Enumerable.Range(0, 6), log.Items.Select(i => i.OutputIndex));
    }

    [Fact]
    public void Deltas_AllocateNothing()
    {
        var translator = new ResponsesStreamTranslator("resp_abc", "gpt-sim", Encoding.UTF8.GetBytes(Echo), 1);
        using var output = new PooledBufferWriter(64 * 1024);
        byte[][] chunks =
        [
            """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"reasoning_content":" think"},"logprobs":null,"finish_reason":null}]}"""u8.ToArray(),
            """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}]}"""u8.ToArray(),
            """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"f","arguments":""}}]},"logprobs":null,"finish_reason":null}]}"""u8.ToArray(),
        ];
        byte[][] deltas =
        [
            chunks[0],
            chunks[1],
            """{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":1"}}]},"logprobs":null,"finish_reason":null}]}"""u8.ToArray(),
        ];
        for (var kind = 0; kind < chunks.Length; kind++)
        {
            translator.TranslateChunk(chunks[kind], output);
            translator.TranslateChunk(deltas[kind], output);
            output.Clear();

            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 100; i++)
            {
                translator.TranslateChunk(deltas[kind], output);
                output.Clear();
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    /// <summary>Feeds every chunk through one translator, ending it as the gateway does: Complete after the last chunk.</summary>
    private static string Translate(OpenAIStreamLog upstream, bool complete = true)
    {
        var translator = new ResponsesStreamTranslator("resp_abc", "gpt-sim", Encoding.UTF8.GetBytes(Echo), 1_700_000_000);
        using var output = new PooledBufferWriter();
        foreach (var chunk in upstream.Chunks)
        {
            Assert.True(translator.TranslateChunk(chunk, output));
        }

        if (complete)
        {
            Assert.True(translator.SawFinish);
            translator.Complete(output);
        }

        Assert.True(translator.IsFinished);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static string Run(params string[] chunks)
    {
        var translator = new ResponsesStreamTranslator("resp_abc", "gpt-sim", Encoding.UTF8.GetBytes(Echo), 1_700_000_000);
        using var output = new PooledBufferWriter();
        foreach (var chunk in chunks)
        {
            Assert.True(translator.TranslateChunk(Encoding.UTF8.GetBytes(chunk), output));
        }

        translator.Complete(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
