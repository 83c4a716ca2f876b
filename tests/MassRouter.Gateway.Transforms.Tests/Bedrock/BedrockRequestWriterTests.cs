using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Tests.Translation;

namespace MassRouter.Gateway.Transforms.Tests.Bedrock;

public class BedrockRequestWriterTests
{
    private static readonly IChatCodec Bedrock = ChatCodecs.ForKind(ProviderKinds.Bedrock)!;

    private const string Tools = """ "tools":[{"type":"function","function":{"name":"a","description":"A."}},{"type":"function","function":{"name":"b","parameters":{"type":"object"}}}]""";

    private const string ToolLoop = """
        [{"role":"user","content":"Weather?"},
         {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"a","arguments":"{\"city\":\"Paris\"}"}},{"id":"c2","type":"function","function":{"name":"b","arguments":""}}]},
         {"role":"tool","tool_call_id":"c1","content":"sunny"},{"role":"tool","tool_call_id":"c2","content":[{"type":"text","text":"warm"}]},
         {"role":"user","content":"And tomorrow?"}]
        """;

    [Fact]
    public void SystemAndSampling_AreMapped_ModelAndStreamAreNotInTheBody()
    {
        var request = Codec.Request(Bedrock, """
            {"model":"m","stream":true,"max_completion_tokens":300,"max_tokens":9,"temperature":0.2,"top_p":0.9,"stop":"END","user":"u1",
             "messages":[{"role":"system","content":"Be brief."},{"role":"developer","content":[{"type":"text","text":"Be kind."}]},{"role":"user","content":"Hi"}]}
            """);

        Assert.Equal("""[{"text":"Be brief."},{"text":"Be kind."}]""", Codec.Json(request["system"]));
        Assert.Equal("""[{"role":"user","content":[{"text":"Hi"}]}]""", Codec.Json(request["messages"]));
        Assert.Equal("""{"maxTokens":300,"temperature":0.2,"topP":0.9,"stopSequences":["END"]}""", Codec.Json(request["inferenceConfig"]));
        Assert.Null(request["model"]);
        Assert.Null(request["stream"]);
    }

    [Fact]
    public void ToolLoop_BecomesToolUseAndToolResultBlocks_InAlternatingTurns()
    {
        var request = Codec.Request(Bedrock, $$"""{"model":"m","messages":{{ToolLoop}},{{Tools}}}""");

        Assert.Equal(
            """[{"role":"user","content":[{"text":"Weather?"}]},"""
            + """{"role":"assistant","content":[{"toolUse":{"toolUseId":"c1","name":"a","input":{"city":"Paris"}}},{"toolUse":{"toolUseId":"c2","name":"b","input":{}}}]},"""
            + """{"role":"user","content":[{"toolResult":{"toolUseId":"c1","content":[{"text":"sunny"}]}},{"toolResult":{"toolUseId":"c2","content":[{"text":"warm"}]}},{"text":"And tomorrow?"}]}]""",
            Codec.Json(request["messages"]));
    }

    [Fact]
    public void ConsecutiveSameRoleMessages_ShareATurn()
    {
        var request = Codec.Request(Bedrock, """
            {"model":"m","messages":[{"role":"user","content":"a"},{"role":"system","content":"s"},{"role":"user","content":"b"},
             {"role":"assistant","content":"c"},{"role":"assistant","content":""},{"role":"assistant","content":"d"},{"role":"user","content":"e"}]}
            """);

        Assert.Equal(
            """[{"role":"user","content":[{"text":"a"},{"text":"b"}]},{"role":"assistant","content":[{"text":"c"},{"text":"d"}]},{"role":"user","content":[{"text":"e"}]}]""",
            Codec.Json(request["messages"]));
    }

    [Fact]
    public void DataUrlImage_IsAnImageBlock()
    {
        var request = Codec.Request(Bedrock, """
            {"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"What is it?"},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,AAAA"}}]}]}
            """);

        Assert.Equal("""[{"text":"What is it?"},{"image":{"format":"jpeg","source":{"bytes":"AAAA"}}}]""", Codec.Json(request["messages"]![0]!["content"]));
    }

    [Theory]
    [InlineData("https://example.com/cat.png", "cannot fetch http URLs")]
    [InlineData("data:image/tiff;base64,AAAA", "Images of type 'image/tiff' cannot be sent to Bedrock models")]
    public void ImageBedrockCannotTake_IsA400NamingMessages(string url, string reason)
    {
        var error = Codec.RequestError(Bedrock, $$$"""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"{{{url}}}"}}]}]}""");

        Assert.Equal(("messages", "invalid_value"), (error.Param, error.Code));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"auto\"", """{"auto":{}}""")]
    [InlineData("\"required\"", """{"any":{}}""")]
    [InlineData("""{"type":"function","function":{"name":"b"}}""", """{"tool":{"name":"b"}}""")]
    [InlineData("null", null)]
    public void ToolChoice_IsMapped(string openAI, string? bedrock)
    {
        var request = Codec.Request(Bedrock, $$"""{"model":"m","messages":[{"role":"user","content":"x"}],{{Tools}},"tool_choice":{{openAI}}}""");

        Assert.Equal(
            """[{"toolSpec":{"name":"a","description":"A.","inputSchema":{"json":{"type":"object","properties":{}}}}},{"toolSpec":{"name":"b","inputSchema":{"json":{"type":"object"}}}}]""",
            Codec.Json(request["toolConfig"]!["tools"]));
        Assert.Equal(bedrock ?? "null", Codec.Json(request["toolConfig"]!["toolChoice"]));
    }

    [Fact]
    public void ToolChoiceNone_LeavesTheToolsOut()
    {
        var request = Codec.Request(Bedrock, $$"""{"model":"m","messages":[{"role":"user","content":"x"}],{{Tools}},"tool_choice":"none"}""");

        Assert.Null(request["toolConfig"]);
    }

    [Fact]
    public void ToolChoiceNone_AfterToolTurns_KeepsTheToolsWithoutChoice()
    {
        // Converse refuses toolUse and toolResult blocks without a toolConfig, and has no "none".
        var request = Codec.Request(Bedrock, $$"""{"model":"m","messages":{{ToolLoop}},{{Tools}},"tool_choice":"none"}""");

        Assert.Equal(2, request["toolConfig"]!["tools"]!.AsArray().Count);
        Assert.Null(request["toolConfig"]!["toolChoice"]);
    }

    [Fact]
    public void ToolChoiceNamingAnUnknownTool_IsA400() =>
        Assert.Equal("tool_choice", Codec.RequestError(Bedrock, """{"model":"m","messages":[{"role":"user","content":"x"}],""" + Tools + ""","tool_choice":{"type":"function","function":{"name":"zz"}}}""").Param);

    [Theory]
    [InlineData("low", null, 1024, 5120)]
    [InlineData("high", null, 16384, 20480)]
    [InlineData("high", 8000, 7999, 8000)]
    [InlineData("medium", 10000, 4096, 10000)]
    public void ReasoningEffort_IsAThinkingBudgetBelowMaxTokens(string effort, int? maxTokens, int budget, int sentMaxTokens)
    {
        var max = maxTokens is null ? "" : $"\"max_tokens\":{maxTokens},";
        var request = Codec.Request(Bedrock, $$"""{"model":"m",{{max}}"reasoning_effort":"{{effort}}","messages":[{"role":"user","content":"x"}]}""");

        Assert.Equal("""{"thinking":{"type":"enabled","budget_tokens":""" + budget + "}}", Codec.Json(request["additionalModelRequestFields"]));
        Assert.Equal(sentMaxTokens, (int)request["inferenceConfig"]!["maxTokens"]!);
    }

    [Fact]
    public void ReasoningEffort_IsOffForNone_AndForATollLoopsNextAnswer()
    {
        Assert.Null(Codec.Request(Bedrock, """{"model":"m","reasoning_effort":"none","messages":[{"role":"user","content":"x"}]}""")["additionalModelRequestFields"]);
        var loop = ToolLoop.Replace(""",{"role":"user","content":"And tomorrow?"}""", "", StringComparison.Ordinal);
        Assert.Null(Codec.Request(Bedrock, $$"""{"model":"m","reasoning_effort":"high","messages":{{loop}},{{Tools}}}""")["additionalModelRequestFields"]);
    }

    [Theory]
    [InlineData("\"reasoning_effort\":\"extreme\"", "reasoning_effort")]
    [InlineData("\"reasoning_effort\":\"low\",\"max_tokens\":1000", "max_tokens")]
    [InlineData("\"n\":2", "n")]
    [InlineData("\"logprobs\":true", "logprobs")]
    [InlineData("\"parallel_tool_calls\":false", "parallel_tool_calls")]
    [InlineData("\"seed\":3", "seed")]
    [InlineData("\"presence_penalty\":0.5", "presence_penalty")]
    [InlineData("\"response_format\":{\"type\":\"json_object\"}", "response_format")]
    public void WhatConverseCannotDo_IsA400(string parameter, string name) =>
        Assert.Equal(name, Codec.RequestError(Bedrock, $$"""{"model":"m","messages":[{"role":"user","content":"x"}],{{parameter}}}""").Param);

    [Fact]
    public void NeutralValues_AreAccepted() =>
        Assert.Null(Codec.Request(Bedrock, """{"model":"m","n":1,"parallel_tool_calls":true,"seed":null,"messages":[{"role":"user","content":"x"}]}""")["toolConfig"]);

    [Fact]
    public void JsonSchemaResponseFormat_IsStructuredOutput()
    {
        var request = Codec.Request(Bedrock, """
            {"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"r","schema":{"type":"object","properties":{"a":{"type":"string"}}}}}}
            """);

        var format = request["outputConfig"]!["textFormat"]!;
        Assert.Equal("json_schema", (string?)format["type"]);
        var schema = format["structure"]!["jsonSchema"]!;
        Assert.Equal("r", (string?)schema["name"]);
        Assert.Equal("""{"type":"object","properties":{"a":{"type":"string"}}}""", (string?)schema["schema"]); // a JSON string, as Converse takes it
    }
}
