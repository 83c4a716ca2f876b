using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Tests.Translation;

namespace MassRouter.Gateway.Transforms.Tests.Cohere;

public class CohereRequestWriterTests
{
    private static readonly IChatCodec Cohere = ChatCodecs.ForKind(ProviderKinds.Cohere)!;

    private const string Tools = """ "tools":[{"type":"function","function":{"name":"a"}},{"type":"function","function":{"name":"b","parameters":{"type":"object"}}}]""";

    [Fact]
    public void NamedToolChoice_OffersOnlyThatToolAndRequiresIt()
    {
        var request = Codec.Request(Cohere, """{"model":"m","messages":[{"role":"user","content":"x"}],""" + Tools + ""","tool_choice":{"type":"function","function":{"name":"b"}}}""");
        Assert.Equal("""[{"type":"function","function":{"name":"b","parameters":{"type":"object"}}}]""", Codec.Json(request["tools"]));
        Assert.Equal("REQUIRED", (string?)request["tool_choice"]);
    }

    [Theory]
    [InlineData("\"auto\"", null)]
    [InlineData("\"none\"", "NONE")]
    [InlineData("\"required\"", "REQUIRED")]
    public void ToolChoice_IsMapped(string openAI, string? cohere)
    {
        var request = Codec.Request(Cohere, """{"model":"m","messages":[{"role":"user","content":"x"}],""" + Tools + ""","tool_choice":""" + openAI + "}");
        Assert.Equal(cohere, (string?)request["tool_choice"]);
    }

    [Fact]
    public void MultiTurn_KeepsToolCallsAndResults_AndMapsSampling()
    {
        var request = Codec.Request(Cohere, """
            {"model":"m","top_p":0.5,"stop":"END","seed":3,"max_tokens":9,"response_format":{"type":"json_schema","json_schema":{"name":"r","schema":{"type":"object"}}},
             "messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":"Weather?"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"w","arguments":""}}]},
              {"role":"tool","tool_call_id":"c1","content":"sunny"}]}
            """);
        Assert.Equal(
            """[{"role":"system","content":"Be brief."},{"role":"user","content":"Weather?"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"w","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"sunny"}]""",
            Codec.Json(request["messages"]));
        Assert.Equal(0.5, (double)request["p"]!);
        Assert.Equal("""["END"]""", Codec.Json(request["stop_sequences"]));
        Assert.Equal(3, (int)request["seed"]!);
        Assert.Equal(9, (int)request["max_tokens"]!);
        Assert.Equal("""{"type":"json_object","json_schema":{"type":"object"}}""", Codec.Json(request["response_format"]));
    }

    [Theory]
    [InlineData("\"n\":2", "n")]
    [InlineData("\"logprobs\":true", "logprobs")]
    [InlineData("\"parallel_tool_calls\":false", "parallel_tool_calls")]
    public void UnsupportedParameter_IsA400(string parameter, string name) =>
        Assert.Equal(name, Codec.RequestError(Cohere, $$"""{"model":"m","messages":[{"role":"user","content":"x"}],{{parameter}}}""").Param);

    [Fact]
    public void ErrorFinishReason_EndsWithErrorEvent()
    {
        var output = Codec.Stream(Cohere, "event: message-start\ndata: {\"id\":\"x\",\"type\":\"message-start\"}\n\nevent: message-end\ndata: {\"type\":\"message-end\",\"delta\":{\"finish_reason\":\"ERROR\",\"error\":\"boom\"}}\n\n");
        Assert.Contains("{\"error\":{\"message\":\"boom\"", output, StringComparison.Ordinal);
    }
}
