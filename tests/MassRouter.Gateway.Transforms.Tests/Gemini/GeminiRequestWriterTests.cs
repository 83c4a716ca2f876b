using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Tests.Translation;

namespace MassRouter.Gateway.Transforms.Tests.Gemini;

public class GeminiRequestWriterTests
{
    private static readonly IChatCodec Gemini = ChatCodecs.ForKind(ProviderKinds.Gemini)!;

    [Fact]
    public void RequestPath_SelectsStreamingEndpoint()
    {
        Assert.Equal("/models/gemini-2.5-flash:generateContent", Gemini.RequestPath("gemini-2.5-flash", stream: false));
        Assert.Equal("/models/gemini-2.5-flash:streamGenerateContent?alt=sse", Gemini.RequestPath("gemini-2.5-flash", stream: true));
    }

    [Fact]
    public void MultiTurnWithToolCalls_BecomesFunctionCallAndFunctionResponses()
    {
        var request = Codec.Request(Gemini, """
            {"model":"m","messages":[
              {"role":"system","content":"Be brief."},
              {"role":"user","content":"Weather in Paris?"},
              {"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
              {"role":"tool","tool_call_id":"c1","content":"sunny"},
              {"role":"assistant","content":"Sunny."}]}
            """);
        Assert.Equal("""{"parts":[{"text":"Be brief."}]}""", Codec.Json(request["systemInstruction"]));
        Assert.Equal(
            """[{"role":"user","parts":[{"text":"Weather in Paris?"}]},{"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}]},{"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"result":"sunny"}}}]},{"role":"model","parts":[{"text":"Sunny."}]}]""",
            Codec.Json(request["contents"]));
    }

    [Fact]
    public void GenerationParameters_AreMapped()
    {
        var request = Codec.Request(Gemini, """
            {"model":"m","messages":[{"role":"user","content":"x"}],"temperature":0.5,"top_p":0.8,"max_completion_tokens":100,
             "stop":["a","b"],"seed":7,"presence_penalty":0.1,"response_format":{"type":"json_schema","json_schema":{"name":"r","schema":{"type":"object"}}},
             "reasoning_effort":"low"}
            """);
        Assert.Equal(
            """{"temperature":0.5,"topP":0.8,"maxOutputTokens":100,"stopSequences":["a","b"],"seed":7,"presencePenalty":0.1,"responseMimeType":"application/json","responseJsonSchema":{"type":"object"},"thinkingConfig":{"includeThoughts":true,"thinkingBudget":1024}}""",
            Codec.Json(request["generationConfig"]));
    }

    [Theory]
    [InlineData("\"none\"", """{"functionCallingConfig":{"mode":"NONE"}}""")]
    [InlineData("\"required\"", """{"functionCallingConfig":{"mode":"ANY"}}""")]
    [InlineData("""{"type":"function","function":{"name":"f"}}""", """{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["f"]}}""")]
    public void ToolChoice_IsMapped(string openAI, string gemini)
    {
        var request = Codec.Request(Gemini, """{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":""" + openAI + "}");
        Assert.Equal(gemini, Codec.Json(request["toolConfig"]));
    }

    [Fact]
    public void DataUrlImage_BecomesInlineData_HttpUrlIsRejected()
    {
        var request = Codec.Request(Gemini, """{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}}]}]}""");
        Assert.Equal("""[{"inlineData":{"mimeType":"image/jpeg","data":"/9j/4AAQ"}}]""", Codec.Json(request["contents"]![0]!["parts"]));
        var error = Codec.RequestError(Gemini, """{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]}""");
        Assert.Contains("data URLs", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"n\":3", "n")]
    [InlineData("\"logprobs\":true", "logprobs")]
    [InlineData("\"parallel_tool_calls\":false", "parallel_tool_calls")]
    public void UnsupportedParameter_IsA400(string parameter, string name) =>
        Assert.Equal(name, Codec.RequestError(Gemini, $$"""{"model":"m","messages":[{"role":"user","content":"x"}],{{parameter}}}""").Param);

    [Fact]
    public void SeveralChoices_AreRefused_WithoutClaimingGeminiHasNoCandidates()
    {
        var error = Codec.RequestError(Gemini, """{"model":"m","messages":[{"role":"user","content":"x"}],"n":2}""");
        Assert.Equal("The parameter 'n' is not supported for this model (provider kind 'gemini'): the gateway does not translate several Gemini candidates into choices.", error.Message);
    }

    [Fact]
    public void ErrorChunkMidStream_EndsWithErrorEvent()
    {
        var output = Codec.Stream(Gemini, "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}]}}],\"responseId\":\"r\"}\r\n\r\ndata: {\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":\"UNAVAILABLE\"}}\r\n\r\n");
        Assert.Contains("\"content\":\"Hi\"", output, StringComparison.Ordinal);
        Assert.Contains("{\"error\":{\"message\":\"The model is overloaded.\",\"type\":\"server_error\",\"param\":null,\"code\":\"overloaded\"}}", output, StringComparison.Ordinal);
    }

    [Fact]
    public void StreamWithoutFinishReason_IsTruncated()
    {
        var output = Codec.Stream(Gemini, "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}]}}],\"responseId\":\"r\"}\r\n\r\n");
        Assert.Contains("upstream_truncated", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ThoughtSignature_RoundTripsThroughTheToolCallId()
    {
        var output = Codec.Stream(Gemini, "data: {\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"f\",\"args\":{}},\"thoughtSignature\":\"c2ln\"}]},\"finishReason\":\"STOP\"}],\"responseId\":\"r\"}\r\n\r\n");
        Assert.Contains("\"id\":\"call_r_0__thought__c2ln\"", output, StringComparison.Ordinal);

        var request = Codec.Request(Gemini, """
            {"model":"m","messages":[{"role":"user","content":"x"},
              {"role":"assistant","tool_calls":[{"id":"call_r_0__thought__c2ln","type":"function","function":{"name":"f","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"call_r_0__thought__c2ln","content":"ok"}]}
            """);
        Assert.Equal("""[{"functionCall":{"name":"f","args":{}},"thoughtSignature":"c2ln"}]""", Codec.Json(request["contents"]![1]!["parts"]));
        Assert.Equal("f", (string?)request["contents"]![2]!["parts"]![0]!["functionResponse"]!["name"]);
    }
}
