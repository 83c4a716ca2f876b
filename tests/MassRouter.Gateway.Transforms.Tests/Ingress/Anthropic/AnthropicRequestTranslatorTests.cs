using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Anthropic;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Tests.Ingress.Anthropic;

public class AnthropicRequestTranslatorTests
{
    [Fact]
    public void WeatherRequest_MatchesTheRecordedOpenAIRequestOfTheSameScenario()
    {
        var translated = Translate(File.ReadAllText(Fixtures.PathOf("anthropic/anthropic-tool-call-weather.request.json")), "gpt-5-mini");
        var recorded = JsonNode.Parse(File.ReadAllText(Fixtures.PathOf("openai/openai-chat-tool-call-weather.request.json")))!;

        Assert.Equal("gpt-5-mini", (string?)translated["model"]);
        var message = Assert.Single(translated["messages"]!.AsArray())!;
        Assert.Equal("user", (string?)message["role"]);
        Assert.Equal((string?)recorded["messages"]![0]!["content"], (string?)message["content"]![0]!["text"]);
        Assert.Equal((string?)recorded["tool_choice"], (string?)translated["tool_choice"]);
        var tool = Assert.Single(translated["tools"]!.AsArray())!;
        var recordedTool = recorded["tools"]![0]!;
        Assert.Equal("function", (string?)tool["type"]);
        Assert.Equal((string?)recordedTool["function"]!["name"], (string?)tool["function"]!["name"]);
        Assert.Equal((string?)recordedTool["function"]!["description"], (string?)tool["function"]!["description"]);
        Assert.True(JsonNode.DeepEquals(recordedTool["function"]!["parameters"], tool["function"]!["parameters"]));
        Assert.Equal(4096, (int)translated["max_tokens"]!);
        Assert.Null(translated["stream"]);
    }

    [Fact]
    public void SystemPrompt_BecomesTheFirstMessage()
    {
        var translated = Translate(File.ReadAllText(Fixtures.PathOf("anthropic/anthropic-parallel-tool-use.request.json")));

        var messages = translated["messages"]!.AsArray();
        Assert.Equal("system", (string?)messages[0]!["role"]);
        Assert.Contains("retrieve_entity_info", (string?)messages[0]!["content"], StringComparison.Ordinal);
        Assert.Equal("user", (string?)messages[1]!["role"]);
        Assert.Equal("claude-haiku-4-5", (string?)translated["model"]);
    }

    [Fact]
    public void SystemTextBlocks_AreJoined()
    {
        var translated = Translate("""{"model":"m","max_tokens":5,"system":[{"type":"text","text":"One."},{"type":"text","text":"Two.","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal("One.\n\nTwo.", (string?)translated["messages"]![0]!["content"]);
    }

    [Fact]
    public void SystemMessagesBetweenTurns_StayWhereTheyAre()
    {
        // As Claude Code 2.1 sends its agent list: a system message after the first user turn.
        var translated = Translate("""
            {"model":"m","max_tokens":5,"system":"Be brief.","messages":[
              {"role":"user","content":"Hi"},
              {"role":"system","content":"Agents: claude, explore."},
              {"role":"system","content":[{"type":"text","text":"One."},{"type":"text","text":"Two."}]},
              {"role":"user","content":"Go"}]}
            """);

        var messages = translated["messages"]!.AsArray();
        Assert.Equal(["system", "user", "system", "system", "user"], messages.Select(m => (string?)m!["role"]));
        Assert.Equal("Agents: claude, explore.", (string?)messages[2]!["content"]);
        Assert.Equal("One.\n\nTwo.", (string?)messages[3]!["content"]);
    }

    [Fact]
    public void ToolUseAndToolResultTurns_BecomeToolCallsAndToolMessages()
    {
        const string Request = """
            {"model":"m","max_tokens":100,"messages":[
              {"role":"user","content":"Weather in Paris and Rome?"},
              {"role":"assistant","content":[
                {"type":"thinking","thinking":"Two calls.","signature":"sig"},
                {"type":"text","text":"Checking."},
                {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}},
                {"type":"tool_use","id":"toolu_2","name":"get_weather","input":{"city":"Rome"}}]},
              {"role":"user","content":[
                {"type":"tool_result","tool_use_id":"toolu_1","content":"18C"},
                {"type":"tool_result","tool_use_id":"toolu_2","content":[{"type":"text","text":"25C"}],"is_error":false},
                {"type":"text","text":"Which is warmer?"}]}]}
            """;
        var messages = Translate(Request)["messages"]!.AsArray();

        Assert.Equal(["user", "assistant", "tool", "tool", "user"], messages.Select(m => (string?)m!["role"]));
        var assistant = messages[1]!;
        Assert.Equal("Checking.", (string?)assistant["content"]);
        var calls = assistant["tool_calls"]!.AsArray();
        Assert.Equal(["toolu_1", "toolu_2"], calls.Select(c => (string?)c!["id"]));
        Assert.Equal("get_weather", (string?)calls[0]!["function"]!["name"]);
        Assert.Equal("""{"city":"Paris"}""", (string?)calls[0]!["function"]!["arguments"]);
        Assert.Equal("toolu_1", (string?)messages[2]!["tool_call_id"]);
        Assert.Equal("18C", (string?)messages[2]!["content"]);
        Assert.Equal("25C", (string?)messages[3]!["content"]);
        Assert.Equal("Which is warmer?", (string?)messages[4]!["content"]![0]!["text"]);
    }

    [Fact]
    public void ErrorToolResult_IsMarkedInTheToolMessage()
    {
        var messages = Translate("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"boom","is_error":true}]}]}""")["messages"]!.AsArray();

        Assert.Equal("Error: boom", (string?)Assert.Single(messages)!["content"]);
    }

    [Fact]
    public void Images_BecomeImageUrlParts()
    {
        const string Request = """
            {"model":"m","max_tokens":5,"messages":[{"role":"user","content":[
              {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
              {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}},
              {"type":"text","text":"What are these?"}]}]}
            """;
        var content = Translate(Request)["messages"]![0]!["content"]!.AsArray();

        Assert.Equal("image_url", (string?)content[0]!["type"]);
        Assert.Equal("data:image/png;base64,iVBORw0KGgo=", (string?)content[0]!["image_url"]!["url"]);
        Assert.Equal("https://example.com/cat.jpg", (string?)content[1]!["image_url"]!["url"]);
        Assert.Equal("text", (string?)content[2]!["type"]);
    }

    [Theory]
    [InlineData("""{"type":"auto"}""", "\"auto\"")]
    [InlineData("""{"type":"any"}""", "\"required\"")]
    [InlineData("""{"type":"none"}""", "\"none\"")]
    [InlineData("""{"type":"tool","name":"get_weather"}""", """{"type":"function","function":{"name":"get_weather"}}""")]
    public void ToolChoice_IsMapped(string anthropic, string openAI)
    {
        var translated = Translate($$$"""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"Hi"}],"tools":[{"name":"get_weather","input_schema":{"type":"object"}}],"tool_choice":{{{anthropic}}}}""");

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(openAI), translated["tool_choice"]), translated.ToJsonString());
        Assert.Null(translated["parallel_tool_calls"]);
    }

    [Fact]
    public void DisableParallelToolUse_TurnsParallelToolCallsOff()
    {
        var translated = Translate("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"Hi"}],"tools":[{"name":"t","input_schema":{"type":"object"}}],"tool_choice":{"type":"auto","disable_parallel_tool_use":true}}""");

        Assert.False((bool)translated["parallel_tool_calls"]!);
    }

    [Fact]
    public void SamplingStopMetadataAndStream_AreMapped()
    {
        var translated = Translate("""{"model":"m","max_tokens":50,"temperature":0.2,"top_p":0.9,"stop_sequences":["END"],"metadata":{"user_id":"u-1"},"stream":true,"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(0.2, (double)translated["temperature"]!);
        Assert.Equal(0.9, (double)translated["top_p"]!);
        Assert.Equal(["END"], translated["stop"]!.AsArray().Select(s => (string?)s));
        Assert.Equal("u-1", (string?)translated["user"]);
        Assert.True((bool)translated["stream"]!);
        Assert.True((bool)translated["stream_options"]!["include_usage"]!);
        Assert.Equal(50, (int)translated["max_tokens"]!);
    }

    [Theory]
    [InlineData(1024, "low")]
    [InlineData(4096, "medium")]
    [InlineData(16000, "high")]
    public void ThinkingBudget_BecomesReasoningEffort(int budget, string effort)
    {
        var translated = Translate($$$"""{"model":"m","max_tokens":20000,"thinking":{"type":"enabled","budget_tokens":{{{budget}}}},"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(effort, (string?)translated["reasoning_effort"]);
    }

    [Theory]
    [InlineData("""{"type":"adaptive"}""", null, "high")]
    [InlineData("""{"type":"adaptive"}""", "low", "low")]
    [InlineData("""{"type":"adaptive"}""", "medium", "medium")]
    [InlineData("""{"type":"adaptive"}""", "max", "high")]
    [InlineData("""{"type":"adaptive"}""", "xhigh", "high")]
    [InlineData("""{"type":"enabled","budget_tokens":16000}""", "low", "low")]
    [InlineData(null, "medium", "medium")]
    [InlineData("""{"type":"disabled"}""", "high", null)]
    [InlineData("""{"type":"disabled"}""", null, null)]
    [InlineData(null, null, null)]
    public void AdaptiveThinkingAndEffort_BecomeReasoningEffort(string? thinking, string? effort, string? expected)
    {
        var fields = (thinking is null ? "" : $",\"thinking\":{thinking}") + (effort is null ? "" : $",\"output_config\":{{\"effort\":\"{effort}\"}}");

        var translated = Translate($$"""{"model":"m","max_tokens":20000{{fields}},"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(expected, (string?)translated["reasoning_effort"]);
    }

    [Theory]
    [InlineData("\"output_config\":{\"format\":{\"type\":\"json_schema\",\"schema\":SCHEMA}}")]
    [InlineData("\"output_format\":{\"type\":\"json_schema\",\"schema\":SCHEMA}")]
    public void StructuredOutputFormat_BecomesAStrictJsonSchemaResponseFormat(string field)
    {
        const string Schema = """{"type":"object","properties":{"answer":{"type":"integer"}},"required":["answer"],"additionalProperties":false}""";

        var translated = Translate($$"""{"model":"m","max_tokens":64,{{field.Replace("SCHEMA", Schema, StringComparison.Ordinal)}},"messages":[{"role":"user","content":"2+2?"}]}""");

        var format = translated["response_format"]!;
        Assert.Equal("json_schema", (string?)format["type"]);
        Assert.Equal("output", (string?)format["json_schema"]!["name"]);
        Assert.True((bool)format["json_schema"]!["strict"]!);
        Assert.Equal(Schema, format["json_schema"]!["schema"]!.ToJsonString());
        Assert.Null(translated["output_config"]);
        Assert.Null(translated["output_format"]);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[]}""", "max_tokens: Field required")]
    [InlineData("""{"max_tokens":5,"messages":[]}""", "model: Field required")]
    [InlineData("""{"model":"m","max_tokens":5}""", "messages: Field required")]
    [InlineData("""{"model":"m","max_tokens":0,"messages":[]}""", "max_tokens: Input should be greater than or equal to 1")]
    [InlineData("""{"model":"m","max_tokens":5,"top_k":5,"messages":[]}""", "top_k:")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"tool","content":"x"}]}""", "messages: role")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"system","content":5}]}""", "messages.0.content: Input should be")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"assistant","content":[{"type":"tool_use","name":"t"}]}]}""", "messages:")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"image","source":{"type":"url","url":"https://x/y.png"}}]}]}]}""", "tool_result content block type 'image'")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"document","source":{"type":"text","data":"x"}}]}]}""", "content block type 'document'")]
    [InlineData("not json", "not valid JSON")]
    public void InvalidRequest_IsRejectedWithAMessageNamingTheField(string request, string message)
    {
        Assert.Contains(message, Refusal(request), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"max_tokens\":\"abc\"", "max_tokens: Input should be a valid integer")]
    [InlineData("\"max_tokens\":99999999999999999999", "max_tokens: Input should be less than or equal to 2147483647")]
    [InlineData("\"max_tokens\":1e30", "max_tokens: Input should be less than or equal to 2147483647")]
    [InlineData("\"max_tokens\":1.5", "max_tokens: Input should be a valid integer, got a number with a fractional part")]
    [InlineData("\"temperature\":\"hot\"", "temperature: Input should be a valid number")]
    [InlineData("\"top_p\":true", "top_p: Input should be a valid number")]
    [InlineData("\"temperature\":1e400", "temperature: Input should be a finite number")]
    [InlineData("\"top_k\":\"5\"", "top_k: Input should be a valid integer")]
    [InlineData("\"stream\":\"yes\"", "stream: Input should be a valid boolean")]
    [InlineData("\"stop_sequences\":\"END\"", "stop_sequences: Input should be a valid list")]
    [InlineData("\"stop_sequences\":[\"END\",1]", "stop_sequences.1: Input should be a valid string")]
    [InlineData("\"system\":5", "system: Input should be a valid string or a list of text blocks")]
    [InlineData("\"system\":[{\"type\":\"text\",\"text\":5}]", "system.0.text: Input should be a valid string")]
    [InlineData("\"metadata\":\"u1\"", "metadata: Input should be a valid dictionary")]
    [InlineData("\"metadata\":{\"user_id\":7}", "metadata.user_id: Input should be a valid string")]
    [InlineData("\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":\"lots\"}", "thinking.budget_tokens: Input should be a valid integer")]
    [InlineData("\"thinking\":{\"type\":\"sometimes\"}", "thinking.type: Input should be 'enabled', 'disabled' or 'adaptive'")]
    [InlineData("\"output_config\":\"low\"", "output_config: Input should be a valid dictionary")]
    [InlineData("\"output_config\":{\"effort\":1}", "output_config.effort: Input should be a valid string")]
    [InlineData("\"output_config\":{\"effort\":\"extreme\"}", "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'")]
    [InlineData("\"output_config\":{\"format\":{\"type\":\"json_object\"}}", "output_config.format.type: Input should be 'json_schema'")]
    [InlineData("\"output_config\":{\"format\":{\"type\":\"json_schema\"}}", "output_config.format.schema: Field required")]
    [InlineData("\"output_config\":{\"format\":{\"schema\":{}}}", "output_config.format.type: Field required")]
    [InlineData("\"output_format\":{\"type\":\"json_schema\",\"schema\":\"{}\"}", "output_format.schema: Input should be a valid dictionary")]
    [InlineData("\"tools\":{}", "tools: Input should be a valid list")]
    [InlineData("\"tools\":[{\"description\":\"d\"}]", "tools.0.name: Field required")]
    [InlineData("\"tools\":[{\"name\":\"f\",\"input_schema\":\"{}\"}]", "tools.0.input_schema: Input should be a valid dictionary")]
    [InlineData("\"tool_choice\":\"auto\"", "tool_choice: Input should be a valid dictionary")]
    [InlineData("\"tool_choice\":{\"name\":\"f\"}", "tool_choice.type: Field required")]
    [InlineData("\"tool_choice\":{\"type\":\"auto\",\"disable_parallel_tool_use\":\"yes\"}", "tool_choice.disable_parallel_tool_use: Input should be a valid boolean")]
    public void WrongType_IsRejectedNamingTheField_NotDropped(string field, string message)
    {
        Assert.Equal(message, Refusal($$"""{"model":"m","max_tokens":16,{{field}},"messages":[{"role":"user","content":"Hi"}]}"""));
    }

    [Theory]
    [InlineData("\"hi\"", "messages: Input should be a valid list")]
    [InlineData("[\"hi\"]", "messages.0: Input should be a valid dictionary")]
    [InlineData("[{\"content\":\"hi\"}]", "messages.0.role: Field required")]
    [InlineData("[{\"role\":\"user\"}]", "messages.0.content: Field required")]
    [InlineData("[{\"role\":\"user\",\"content\":5}]", "messages.0.content: Input should be a valid string or a list of content blocks")]
    [InlineData("[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":5}]}]", "messages.0.content.0.text: Input should be a valid string")]
    [InlineData("[{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":\"{}\"}]}]", "messages.0.content.0.input: Input should be a valid dictionary")]
    [InlineData("[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t\",\"is_error\":\"no\"}]}]", "messages.0.content.0.is_error: Input should be a valid boolean")]
    public void MessagesOfTheWrongType_AreRejectedNamingTheField(string messages, string message)
    {
        Assert.Equal(message, Refusal($$"""{"model":"m","max_tokens":16,"messages":{{messages}}}"""));
    }

    [Fact]
    public void NullParameters_StandForNotSent()
    {
        var translated = Translate("""{"model":"m","max_tokens":16,"temperature":null,"top_p":null,"top_k":null,"stream":null,"stop_sequences":null,"system":null,"metadata":null,"tools":null,"tool_choice":null,"thinking":null,"output_config":null,"output_format":null,"messages":[{"role":"user","content":"Hi"}]}""");

        Assert.Equal(16, (int)translated["max_tokens"]!);
        Assert.Null(translated["temperature"]);
    }

    [Fact]
    public void WholeMaxTokens_InDecimalNotation_IsAnInteger()
    {
        Assert.Equal(1000, (int)Translate("""{"model":"m","max_tokens":1e3,"messages":[{"role":"user","content":"Hi"}]}""")["max_tokens"]!);
    }

    [Fact]
    public void NestingToTheChatCompletionsLimit_IsTranslated_AndBeyondIt_IsRefusedSayingSo()
    {
        static string Nested(int depth) =>
            $$$"""{"model":"m","max_tokens":16,"messages":[{"role":"user","content":"Hi"}],"metadata":{"x":{{{new string('[', depth - 3)}}}{}{{{new string(']', depth - 3)}}}}}""";

        Assert.Equal("m", (string?)Translate(Nested(RequestJson.MaxDepth))["model"]);
        Assert.StartsWith("The request body is nested too deeply", Refusal(Nested(RequestJson.MaxDepth + 1)), StringComparison.Ordinal);
    }

    [Fact]
    public void ServerTool_IsRejected_NotDropped()
    {
        using var output = new PooledBufferWriter();
        var request = File.ReadAllBytes(Fixtures.PathOf("anthropic/anthropic-stream-tool-search-then-tool-use-raw.request.json"));

        Assert.False(AnthropicRequestTranslator.TryTranslate(request, output, null, out _, out var error));
        Assert.Contains("tool_search_tool_bm25_20251119", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Info_CarriesModelStreamAndMaxTokens()
    {
        using var output = new PooledBufferWriter();
        var request = File.ReadAllBytes(Fixtures.PathOf("anthropic/anthropic-stream-thinking-raw.request.json"));

        Assert.True(AnthropicRequestTranslator.TryTranslate(request, output, "upstream", out var info, out _));
        using var document = JsonDocument.Parse(request);
        Assert.Equal(document.RootElement.GetProperty("model").GetString(), info.Model);
        Assert.True(info.Stream);
        Assert.Equal(document.RootElement.GetProperty("max_tokens").GetInt32(), info.MaxTokens);
    }

    /// <summary>The message of the error <paramref name="request"/> is refused with.</summary>
    private static string Refusal(string request)
    {
        using var output = new PooledBufferWriter();
        Assert.False(AnthropicRequestTranslator.TryTranslate(Encoding.UTF8.GetBytes(request), output, null, out _, out var error));
        return error.Message;
    }

    private static JsonNode Translate(string anthropic, string? upstreamModel = null)
    {
        using var output = new PooledBufferWriter();
        Assert.True(
            AnthropicRequestTranslator.TryTranslate(Encoding.UTF8.GetBytes(anthropic), output, upstreamModel, out _, out var error),
            error.Message);
        return JsonNode.Parse(output.WrittenSpan)!;
    }
}
