using MassRouter.Gateway.Transforms.Anthropic;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Tests.Translation;

namespace MassRouter.Gateway.Transforms.Tests.Anthropic;

public class AnthropicRequestWriterTests
{
    private static readonly IChatCodec Anthropic = ChatCodecs.ForKind(ProviderKinds.Anthropic)!;

    [Fact]
    public void MaxTokens_DefaultsWhenAbsent()
    {
        var request = Codec.Request(Anthropic, """{"model":"m","messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(AnthropicRequestWriter.DefaultMaxTokens, (int)request["max_tokens"]!);
        Assert.Equal("upstream-model", (string?)request["model"]);
        Assert.False((bool)request["stream"]!);
    }

    [Fact]
    public void MaxCompletionTokens_WinsOverMaxTokens()
    {
        var request = Codec.Request(Anthropic, """{"model":"m","max_tokens":10,"max_completion_tokens":20,"messages":[{"role":"user","content":"hi"}]}""");
        Assert.Equal(20, (int)request["max_tokens"]!);
    }

    [Fact]
    public void MultiTurnWithToolCalls_BecomesToolUseAndMergedToolResults()
    {
        var request = Codec.Request(Anthropic, """
            {"model":"m","messages":[
              {"role":"developer","content":"Be brief."},
              {"role":"user","content":"Weather in Paris and Rome?"},
              {"role":"assistant","content":null,"tool_calls":[
                {"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
                {"id":"c2","type":"function","function":{"name":"get_weather","arguments":""}}]},
              {"role":"tool","tool_call_id":"c1","content":"sunny"},
              {"role":"tool","tool_call_id":"c2","content":[{"type":"text","text":"rain"}]},
              {"role":"assistant","content":"Paris sunny, Rome rain."},
              {"role":"user","content":"Thanks"}]}
            """);
        Assert.Equal("Be brief.", (string?)request["system"]);
        Assert.Equal(
            """[{"role":"user","content":[{"type":"text","text":"Weather in Paris and Rome?"}]},{"role":"assistant","content":[{"type":"tool_use","id":"c1","name":"get_weather","input":{"city":"Paris"}},{"type":"tool_use","id":"c2","name":"get_weather","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"c1","content":"sunny"},{"type":"tool_result","tool_use_id":"c2","content":"rain"}]},{"role":"assistant","content":[{"type":"text","text":"Paris sunny, Rome rain."}]},{"role":"user","content":[{"type":"text","text":"Thanks"}]}]""",
            Codec.Json(request["messages"]));
    }

    [Fact]
    public void Images_DataUrlBecomesBase64_HttpUrlBecomesUrlSource()
    {
        var request = Codec.Request(Anthropic, """
            {"model":"m","messages":[{"role":"user","content":[
              {"type":"text","text":"Compare"},
              {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
              {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]}]}
            """);
        Assert.Equal(
            """[{"type":"text","text":"Compare"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},{"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]""",
            Codec.Json(request["messages"]![0]!["content"]));
    }

    [Theory]
    [InlineData("\"auto\"", """{"type":"auto"}""")]
    [InlineData("\"none\"", """{"type":"none"}""")]
    [InlineData("\"required\"", """{"type":"any"}""")]
    [InlineData("""{"type":"function","function":{"name":"f"}}""", """{"type":"tool","name":"f"}""")]
    public void ToolChoice_IsMapped(string openAI, string anthropic)
    {
        var request = Codec.Request(Anthropic, """{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":""" + openAI + "}");
        Assert.Equal(anthropic, Codec.Json(request["tool_choice"]));
    }

    [Fact]
    public void ParallelToolCallsFalse_DisablesParallelToolUse()
    {
        var request = Codec.Request(Anthropic, """{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"parallel_tool_calls":false}""");
        Assert.Equal("""{"type":"auto","disable_parallel_tool_use":true}""", Codec.Json(request["tool_choice"]));
        Assert.Equal("""{"type":"object","properties":{}}""", Codec.Json(request["tools"]![0]!["input_schema"]));
    }

    [Fact]
    public void SamplingStopUserAndSchema_AreMapped()
    {
        var request = Codec.Request(Anthropic, """
            {"model":"m","messages":[{"role":"user","content":"x"}],"temperature":0.2,"top_p":0.9,"stop":"END","user":"u-1",
             "response_format":{"type":"json_schema","json_schema":{"name":"r","schema":{"type":"object"}}}}
            """);
        Assert.Equal(0.2, (double)request["temperature"]!);
        Assert.Equal(0.9, (double)request["top_p"]!);
        Assert.Equal("""["END"]""", Codec.Json(request["stop_sequences"]));
        Assert.Equal("""{"user_id":"u-1"}""", Codec.Json(request["metadata"]));
        Assert.Equal("""{"format":{"type":"json_schema","schema":{"type":"object"}}}""", Codec.Json(request["output_config"]));
    }

    [Fact]
    public void ReasoningEffort_BecomesThinkingBudgetBelowMaxTokens()
    {
        var request = Codec.Request(Anthropic, """{"model":"m","messages":[{"role":"user","content":"x"}],"reasoning_effort":"medium"}""");
        Assert.Equal("""{"type":"enabled","budget_tokens":4096}""", Codec.Json(request["thinking"]));
        Assert.Equal(4096 + AnthropicRequestWriter.DefaultMaxTokens, (int)request["max_tokens"]!);
    }

    [Theory]
    // The tool loop's next request: Anthropic would want the assistant turn to start with a signed thinking block.
    [InlineData("""[{"role":"user","content":"Weather?"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"w","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"sunny"}]""", false)]
    [InlineData("""[{"role":"user","content":"Weather?"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"w","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"sunny"},{"role":"user","content":"And?"}]""", false)]
    // A loop that ended in a plain answer, and a conversation without tools: thinking as asked.
    [InlineData("""[{"role":"user","content":"Weather?"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"w","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"sunny"},{"role":"assistant","content":"Sunny."},{"role":"user","content":"Thanks"}]""", true)]
    [InlineData("""[{"role":"user","content":"x"},{"role":"assistant","content":"y","tool_calls":[]},{"role":"user","content":"z"}]""", true)]
    public void ReasoningEffort_IsLeftOut_WhileAToolLoopContinues(string messages, bool thinking)
    {
        var request = Codec.Request(Anthropic, """{"model":"m","messages":""" + messages + ""","tools":[{"type":"function","function":{"name":"w","parameters":{"type":"object"}}}],"reasoning_effort":"medium"}""");

        Assert.Equal(thinking, request["thinking"] is not null);
        Assert.Equal(4096 + AnthropicRequestWriter.DefaultMaxTokens, (int)request["max_tokens"]!);
    }

    [Theory]
    [InlineData("\"n\":2", "n")]
    [InlineData("\"logprobs\":true", "logprobs")]
    [InlineData("\"top_logprobs\":3", "top_logprobs")]
    [InlineData("\"seed\":42", "seed")]
    [InlineData("\"presence_penalty\":0.5", "presence_penalty")]
    [InlineData("\"logit_bias\":{\"1\":5}", "logit_bias")]
    [InlineData("\"response_format\":{\"type\":\"json_object\"}", "response_format")]
    [InlineData("\"made_up_parameter\":1", "made_up_parameter")]
    public void UnsupportedParameter_IsA400NamingIt(string parameter, string name)
    {
        var error = Codec.RequestError(Anthropic, $$"""{"model":"m","messages":[{"role":"user","content":"x"}],{{parameter}}}""");
        Assert.Equal(name, error.Param);
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"n\":1")]
    [InlineData("\"logprobs\":false")]
    [InlineData("\"frequency_penalty\":0")]
    [InlineData("\"store\":true")]
    [InlineData("\"parallel_tool_calls\":true")]
    public void NeutralValues_OfUnsupportedParameters_AreAccepted(string parameter) =>
        Codec.Request(Anthropic, $$"""{"model":"m","messages":[{"role":"user","content":"x"}],{{parameter}}}""");
}
