using System.Text;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Responses;

namespace MassRouter.Gateway.Transforms.Tests.Ingress.Responses;

public class ResponsesResponseTranslatorTests
{
    private const string Echo = """
        "instructions":null,"temperature":1,"tools":[{"type":"function","name":"get_weather"}],"store":false
        """;

    [Fact]
    public void TextCompletion_BecomesACompletedResponseWithOneMessage()
    {
        var response = TranslateFixture("openai/openai-chat-text.json");
        using var recorded = JsonDocument.Parse(File.ReadAllBytes(Fixtures.PathOf("openai/openai-chat-text.json")));

        Assert.Equal("resp_abc", response.GetProperty("id").GetString());
        Assert.Equal("response", response.GetProperty("object").GetString());
        Assert.Equal(1_700_000_000, response.GetProperty("created_at").GetInt64());
        Assert.Equal("completed", response.GetProperty("status").GetString());
        Assert.False(response.GetProperty("background").GetBoolean());
        Assert.Equal(JsonValueKind.Null, response.GetProperty("error").ValueKind);
        Assert.Equal(JsonValueKind.Null, response.GetProperty("incomplete_details").ValueKind);
        Assert.Equal(recorded.RootElement.GetProperty("model").GetString(), response.GetProperty("model").GetString());
        var message = Assert.Single(response.GetProperty("output").EnumerateArray());
        Assert.Equal("msg_abc", message.GetProperty("id").GetString());
        Assert.Equal("message", message.GetProperty("type").GetString());
        Assert.Equal("completed", message.GetProperty("status").GetString());
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        var part = Assert.Single(message.GetProperty("content").EnumerateArray());
        Assert.Equal("output_text", part.GetProperty("type").GetString());
        Assert.Equal(recorded.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), part.GetProperty("text").GetString());
        Assert.Empty(part.GetProperty("annotations").EnumerateArray());
        Assert.Empty(part.GetProperty("logprobs").EnumerateArray());
    }

    [Fact]
    public void Usage_IsMappedFromTheChatUsage()
    {
        var usage = TranslateFixture("deepseek/deepseek-reasoning-tool-call.json").GetProperty("usage");

        Assert.Equal(339, usage.GetProperty("input_tokens").GetInt64());
        Assert.Equal(320, usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt64());
        Assert.Equal(92, usage.GetProperty("output_tokens").GetInt64());
        Assert.Equal(48, usage.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt64());
        Assert.Equal(431, usage.GetProperty("total_tokens").GetInt64());
    }

    [Fact]
    public void UsageWithoutDetails_ReportsZeros_AndNoUsageIsNull()
    {
        var reported = Translate("""{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}""");
        var unreported = Translate("""{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"stop"}]}""");

        var usage = reported.GetProperty("usage");
        Assert.Equal(0, usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt64());
        Assert.Equal(0, usage.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt64());
        Assert.Equal(4, usage.GetProperty("total_tokens").GetInt64());
        Assert.Equal(JsonValueKind.Null, unreported.GetProperty("usage").ValueKind);
    }

    [Fact]
    public void CallOfANamespacedFunction_NamesItsNamespace_OthersStayAsTheyAre()
    {
        const string Completion = """
            {"id":"c","object":"chat.completion","model":"m","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,
             "tool_calls":[{"id":"c1","type":"function","function":{"name":"agents__spawn","arguments":"{}"}},
                           {"id":"c2","type":"function","function":{"name":"mcp__fs__read","arguments":"{}"}}]}}]}
            """;
        using var output = new PooledBufferWriter();

        Assert.True(ResponsesResponseTranslator.TryTranslate(
            Encoding.UTF8.GetBytes(Completion), "resp_abc", "m", default, 1, output, new ToolNamespaces(["agents"])));

        using var document = JsonDocument.Parse(output.WrittenMemory);
        var calls = document.RootElement.GetProperty("output").EnumerateArray().ToArray();
        Assert.Equal("agents", calls[0].GetProperty("namespace").GetString());
        Assert.Equal("spawn", calls[0].GetProperty("name").GetString());
        Assert.False(calls[1].TryGetProperty("namespace", out _));
        Assert.Equal("mcp__fs__read", calls[1].GetProperty("name").GetString());
    }

    [Fact]
    public void ToolCallCompletion_BecomesAFunctionCallItem()
    {
        var response = TranslateFixture("openai/openai-chat-tool-call-weather.response.json");

        var call = Assert.Single(response.GetProperty("output").EnumerateArray());
        Assert.Equal("fc_abc_0", call.GetProperty("id").GetString());
        Assert.Equal("function_call", call.GetProperty("type").GetString());
        Assert.Equal("completed", call.GetProperty("status").GetString());
        Assert.Equal("call_aDdJTteHrpMdhdkEkyxjxEHH", call.GetProperty("call_id").GetString());
        Assert.Equal("get_weather", call.GetProperty("name").GetString());
        Assert.Equal("""{"city":"Paris"}""", call.GetProperty("arguments").GetString());
        Assert.Equal("completed", response.GetProperty("status").GetString());
    }

    [Fact]
    public void ParallelToolCalls_BecomeOneItemEach_AfterTheText()
    {
        var response = Translate("""
            {"id":"c","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":"Checking.","tool_calls":[
              {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
              {"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{}"}}]}}]}
            """);

        var items = response.GetProperty("output").EnumerateArray().ToArray();
        Assert.Equal(["message", "function_call", "function_call"], items.Select(i => i.GetProperty("type").GetString()));
        Assert.Equal(["msg_abc", "fc_abc_0", "fc_abc_1"], items.Select(i => i.GetProperty("id").GetString()));
        Assert.Equal(["call_1", "call_2"], items[1..].Select(i => i.GetProperty("call_id").GetString()));
        Assert.Equal(["get_weather", "get_time"], items[1..].Select(i => i.GetProperty("name").GetString()));
    }

    [Fact]
    public void ReasoningToolCall_BecomesAReasoningItemThenTheFunctionCall()
    {
        var response = TranslateFixture("deepseek/deepseek-reasoning-tool-call.json");

        var items = response.GetProperty("output").EnumerateArray().ToArray();
        Assert.Equal(["reasoning", "function_call"], items.Select(i => i.GetProperty("type").GetString()));
        Assert.Equal("rs_abc", items[0].GetProperty("id").GetString());
        var summary = Assert.Single(items[0].GetProperty("summary").EnumerateArray());
        Assert.Equal("summary_text", summary.GetProperty("type").GetString());
        Assert.StartsWith("The user is asking", summary.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("""{"location": "San Francisco"}""", items[1].GetProperty("arguments").GetString());
    }

    [Fact]
    public void ReasoningField_BecomesAReasoningItem()
    {
        var response = Translate("""{"id":"c","choices":[{"index":0,"message":{"role":"assistant","reasoning":"Hmm.","content":"Yes."},"finish_reason":"stop"}]}""");

        var items = response.GetProperty("output").EnumerateArray().ToArray();
        Assert.Equal(["reasoning", "message"], items.Select(i => i.GetProperty("type").GetString()));
        Assert.Equal("Hmm.", items[0].GetProperty("summary")[0].GetProperty("text").GetString());
    }

    [Fact]
    public void Refusal_BecomesARefusalPart()
    {
        var response = Translate("""{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]}""");

        var message = Assert.Single(response.GetProperty("output").EnumerateArray());
        var part = Assert.Single(message.GetProperty("content").EnumerateArray());
        Assert.Equal("refusal", part.GetProperty("type").GetString());
        Assert.Equal("I can't help with that.", part.GetProperty("refusal").GetString());
        Assert.Equal("completed", response.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("length", "incomplete", "max_output_tokens")]
    [InlineData("content_filter", "incomplete", "content_filter")]
    [InlineData("stop", "completed", null)]
    [InlineData("tool_calls", "completed", null)]
    [InlineData("function_call", "completed", null)]
    public void FinishReason_SetsTheStatus(string finish, string status, string? reason)
    {
        var response = Translate($$"""{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"{{finish}}"}]}""");

        Assert.Equal(status, response.GetProperty("status").GetString());
        var details = response.GetProperty("incomplete_details");
        Assert.Equal(reason, details.ValueKind == JsonValueKind.Null ? null : details.GetProperty("reason").GetString());
        Assert.Equal(status, response.GetProperty("output")[0].GetProperty("status").GetString());
    }

    [Fact]
    public void Echo_IsSplicedIn()
    {
        var response = TranslateFixture("openai/openai-chat-text.json");

        Assert.Equal(JsonValueKind.Null, response.GetProperty("instructions").ValueKind);
        Assert.Equal("get_weather", response.GetProperty("tools")[0].GetProperty("name").GetString());
        Assert.False(response.GetProperty("store").GetBoolean());
        Assert.Equal("completed", response.GetProperty("status").GetString());
    }

    [Fact]
    public void EmptyEcho_LeavesAValidResponse()
    {
        using var output = new PooledBufferWriter();

        Assert.True(ResponsesResponseTranslator.TryTranslate(
            """{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"stop"}]}"""u8.ToArray(), "resp_abc", "gpt-sim", default, 1, output));
        using var response = JsonDocument.Parse(output.WrittenMemory);
        Assert.False(response.RootElement.TryGetProperty("instructions", out _));
    }

    [Fact]
    public void CompletionWithoutModel_NamesTheModelGiven()
    {
        var response = Translate("""{"id":"c","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"stop"}]}""");

        Assert.Equal("gpt-sim", response.GetProperty("model").GetString());
    }

    [Theory]
    [InlineData("""{"object":"list","data":[]}""")]
    [InlineData("""{"id":"c","choices":[]}""")]
    [InlineData("""{"id":"c","choices":[{"index":0,"text":"legacy"}]}""")]
    [InlineData("""{"id":"c","choices":[1]}""")]
    [InlineData("""[{"choices":[]}]""")]
    [InlineData("""{"id":"c","choices":[{"index":0,"message":{""")]
    public void NotACompletion_IsRejected_WritingNothing(string body)
    {
        using var output = new PooledBufferWriter();

        Assert.False(ResponsesResponseTranslator.TryTranslate(Encoding.UTF8.GetBytes(body), "resp_abc", "gpt-sim", Encoding.UTF8.GetBytes(Echo), 1, output));
        Assert.Equal(0, output.WrittenCount);
    }

    private static JsonElement TranslateFixture(string fixture) => Translate(File.ReadAllBytes(Fixtures.PathOf(fixture)));

    private static JsonElement Translate(string completion) => Translate(Encoding.UTF8.GetBytes(completion));

    private static JsonElement Translate(byte[] completion)
    {
        using var output = new PooledBufferWriter();
        Assert.True(ResponsesResponseTranslator.TryTranslate(completion, "resp_abc", "gpt-sim", Encoding.UTF8.GetBytes(Echo), 1_700_000_000, output));
        using var document = JsonDocument.Parse(output.WrittenMemory);
        return document.RootElement.Clone();
    }
}
