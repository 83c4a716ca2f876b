using System.Text;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Responses;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Tests.Ingress.Responses;

public class ResponsesRequestTranslatorTests
{
    private const string Hi = "\"input\":\"Hi\"";

    [Fact]
    public void InstructionsAndStringInput_BecomeSystemAndUserMessages()
    {
        var chat = Translate("""{"model":"gpt-5","instructions":"Be brief.","input":"Hi"}""");

        Assert.Equal("gpt-5", (string?)chat["model"]);
        AssertJson("""[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]""", chat["messages"]);
    }

    [Fact]
    public void RoutingFields_AreCopiedVerbatim_EveryOccurrence()
    {
        using var output = new PooledBufferWriter();
        var request = """{"model":"m","models":["a","b"],"provider":{"sort":"price"},"models":["c"],"input":"Hi"}""";

        Assert.True(ResponsesRequestTranslator.TryTranslate(Encoding.UTF8.GetBytes(request), output, out _, out var error), error.Message);

        var body = Encoding.UTF8.GetString(output.WrittenSpan);
        Assert.Contains("\"models\":[\"a\",\"b\"]", body, StringComparison.Ordinal);
        Assert.Contains("\"models\":[\"c\"]", body, StringComparison.Ordinal);
        Assert.Contains("\"provider\":{\"sort\":\"price\"}", body, StringComparison.Ordinal);
    }

    [Fact]
    public void MessageItems_KeepTheirRoles_AndDeveloperBecomesSystem()
    {
        var messages = Messages("""
            [{"role":"developer","content":"Rules."},
             {"type":"message","role":"system","content":"More rules."},
             {"role":"user","content":"Hi"},
             {"type":"message","role":"assistant","content":"Hello."}]
            """);

        AssertJson(
            """[{"role":"system","content":"Rules."},{"role":"system","content":"More rules."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello."}]""",
            messages);
    }

    [Fact]
    public void OneTextPart_BecomesAString_AndSeveralStayTextParts()
    {
        var messages = Messages("""
            [{"role":"user","content":[{"type":"input_text","text":"One."}]},
             {"role":"developer","content":[{"type":"input_text","text":"A"},{"type":"input_text","text":"B"}]},
             {"role":"user","content":[]}]
            """);

        AssertJson(
            """[{"role":"user","content":"One."},{"role":"system","content":[{"type":"text","text":"A"},{"type":"text","text":"B"}]},{"role":"user","content":""}]""",
            messages);
    }

    [Fact]
    public void ImageAndFileParts_BecomeChatImageUrlAndFileParts()
    {
        var messages = Messages("""
            [{"role":"user","content":[
              {"type":"input_text","text":"What are these?"},
              {"type":"input_image","image_url":"https://example.com/cat.jpg","detail":"low"},
              {"type":"input_image","image_url":"data:image/png;base64,iVBORw0KGgo="},
              {"type":"input_file","file_data":"data:application/pdf;base64,JVBERi0=","filename":"a.pdf"}]}]
            """);

        AssertJson(
            """
            [{"role":"user","content":[
              {"type":"text","text":"What are these?"},
              {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg","detail":"low"}},
              {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
              {"type":"file","file":{"file_data":"data:application/pdf;base64,JVBERi0=","filename":"a.pdf"}}]}]
            """,
            messages);
    }

    [Fact]
    public void OneImagePart_StaysAPartsArray()
    {
        var messages = Messages("""[{"role":"user","content":[{"type":"input_image","image_url":"https://example.com/cat.jpg"}]}]""");

        AssertJson("""[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]}]""", messages);
    }

    [Fact]
    public void AssistantTextAndRefusalParts_AreJoinedIntoOneString()
    {
        var messages = Messages("""
            [{"role":"assistant","content":[{"type":"output_text","text":"Sure, ","annotations":[]},{"type":"output_text","text":"but "},{"type":"refusal","refusal":"not that."}]},
             {"role":"assistant","content":[{"type":"refusal","refusal":"No."}]}]
            """);

        AssertJson("""[{"role":"assistant","content":"Sure, but not that."},{"role":"assistant","content":"No."}]""", messages);
    }

    [Fact]
    public void FunctionCallsAndOutputs_BecomeAssistantToolCallsAndToolMessages()
    {
        var messages = Messages("""
            [{"role":"user","content":"Weather in Paris and Rome?"},
             {"type":"function_call","id":"fc_1","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}","status":"completed"},
             {"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"gAAAA"},
             {"type":"function_call","call_id":"call_2","name":"get_weather","arguments":"{\"city\":\"Rome\"}"},
             {"type":"function_call_output","call_id":"call_1","output":"18C"},
             {"type":"function_call_output","call_id":"call_2","output":"25C"},
             {"type":"function_call","call_id":"call_3","name":"get_time","arguments":"{}"},
             {"type":"function_call_output","call_id":"call_3","output":"noon"}]
            """);

        AssertJson(
            """
            [{"role":"user","content":"Weather in Paris and Rome?"},
             {"role":"assistant","content":null,"tool_calls":[
               {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
               {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}]},
             {"role":"tool","tool_call_id":"call_1","content":"18C"},
             {"role":"tool","tool_call_id":"call_2","content":"25C"},
             {"role":"assistant","content":null,"tool_calls":[{"id":"call_3","type":"function","function":{"name":"get_time","arguments":"{}"}}]},
             {"role":"tool","tool_call_id":"call_3","content":"noon"}]
            """,
            messages);
    }

    [Fact]
    public void AssistantMessageFollowedByFunctionCalls_BecomesOneAssistantMessage()
    {
        var messages = Messages("""
            [{"role":"user","content":"Hi"},
             {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking."}]},
             {"type":"reasoning","summary":[]},
             {"type":"function_call","call_id":"call_1","name":"f","arguments":"{}"},
             {"type":"function_call","call_id":"call_2","name":"g","arguments":"{}"},
             {"role":"assistant","content":"Separate."}]
            """);

        AssertJson(
            """
            [{"role":"user","content":"Hi"},
             {"role":"assistant","content":"Checking.","tool_calls":[
               {"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}},
               {"id":"call_2","type":"function","function":{"name":"g","arguments":"{}"}}]},
             {"role":"assistant","content":"Separate."}]
            """,
            messages);
    }

    [Fact]
    public void FunctionCallOutputTextParts_AreJoined()
    {
        var messages = Messages("""
            [{"type":"function_call","call_id":"c","name":"f","arguments":"{}"},
             {"type":"function_call_output","call_id":"c","output":[{"type":"input_text","text":"line 1\n"},{"type":"input_text","text":"line 2"}]}]
            """);

        Assert.Equal("line 1\nline 2", (string?)messages[1]!["content"]);
    }

    [Fact]
    public void ReasoningItems_AreSkipped()
    {
        var messages = Messages("""[{"type":"reasoning","summary":[{"type":"summary_text","text":"Thinking."}],"encrypted_content":"gAAAA"},{"role":"user","content":"Hi"}]""");

        AssertJson("""[{"role":"user","content":"Hi"}]""", messages);
    }

    [Fact]
    public void TextIsCopiedUnchanged()
    {
        const string Text = "Ünïcödé <b>&</b> \"quoted\" \\ 😀";

        var chat = Translate($$"""{"model":"m","input":{{JsonValue.Create(Text).ToJsonString()}}}""");

        Assert.Equal(Text, (string?)chat["messages"]![0]!["content"]);
    }

    [Fact]
    public void FunctionTools_BecomeChatTools()
    {
        var chat = Translate("""
            {"model":"m","input":"Hi","tools":[
              {"type":"function","name":"get_weather","description":"Weather of a city.","parameters":{"type":"object","properties":{"city":{"type":"string"}}},"strict":true},
              {"type":"function","name":"ping","parameters":null,"strict":null}]}
            """);

        AssertJson(
            """
            [{"type":"function","function":{"name":"get_weather","description":"Weather of a city.","parameters":{"type":"object","properties":{"city":{"type":"string"}}},"strict":true}},
             {"type":"function","function":{"name":"ping"}}]
            """,
            chat["tools"]);
    }

    [Fact]
    public void EmptyTools_AreLeftOut()
    {
        Assert.False(Translate("""{"model":"m","input":"Hi","tools":[]}""").AsObject().ContainsKey("tools"));
    }

    [Theory]
    [InlineData("\"auto\"", "\"auto\"")]
    [InlineData("\"none\"", "\"none\"")]
    [InlineData("\"required\"", "\"required\"")]
    [InlineData("""{"type":"function","name":"f"}""", """{"type":"function","function":{"name":"f"}}""")]
    public void ToolChoice_IsMapped(string responses, string chat)
    {
        var translated = Translate($$"""{"model":"m","input":"Hi","tools":[{"type":"function","name":"f"}],"tool_choice":{{responses}}}""");

        AssertJson(chat, translated["tool_choice"]);
    }

    [Fact]
    public void ToolChoiceAndParallelToolCalls_WithoutTools_AreLeftOut_AsChatRefusesThem()
    {
        var chat = Translate("""{"model":"m","input":"Hi","tools":[],"tool_choice":"auto","parallel_tool_calls":true}""");

        Assert.False(chat.AsObject().ContainsKey("tools"));
        Assert.False(chat.AsObject().ContainsKey("tool_choice"));
        Assert.False(chat.AsObject().ContainsKey("parallel_tool_calls"));
    }

    [Fact]
    public void SamplingAndPlatformParameters_AreCopied_AndMaxOutputTokensRenamed()
    {
        var chat = Translate("""
            {"model":"m","input":"Hi","tools":[{"type":"function","name":"f"}],"parallel_tool_calls":false,"temperature":0.2,"top_p":0.9,
             "user":"u-1","service_tier":"flex","prompt_cache_key":"k-1","safety_identifier":"s-1","max_output_tokens":1e3}
            """);

        Assert.False((bool)chat["parallel_tool_calls"]!);
        Assert.Equal("0.2", chat["temperature"]!.ToJsonString());
        Assert.Equal("0.9", chat["top_p"]!.ToJsonString());
        Assert.Equal("u-1", (string?)chat["user"]);
        Assert.Equal("flex", (string?)chat["service_tier"]);
        Assert.Equal("k-1", (string?)chat["prompt_cache_key"]);
        Assert.Equal("s-1", (string?)chat["safety_identifier"]);
        Assert.Equal("1e3", chat["max_completion_tokens"]!.ToJsonString());
        Assert.False(chat.AsObject().ContainsKey("max_output_tokens"));
    }

    [Fact]
    public void ReasoningEffort_BecomesReasoningEffort_AndTheSummaryIsLeftOut()
    {
        var chat = Translate("""{"model":"m","input":"Hi","reasoning":{"effort":"high","summary":"detailed"}}""");

        Assert.Equal("high", (string?)chat["reasoning_effort"]);
        Assert.False(chat.AsObject().ContainsKey("reasoning"));
        Assert.DoesNotContain("detailed", chat.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"text"}""", null)]
    [InlineData("""{"type":"json_object"}""", """{"type":"json_object"}""")]
    [InlineData(
        """{"type":"json_schema","name":"answer","schema":{"type":"object","properties":{"n":{"type":"integer"}}},"strict":true,"description":"The answer."}""",
        """{"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object","properties":{"n":{"type":"integer"}}},"strict":true,"description":"The answer."}}""")]
    [InlineData("""{"type":"json_schema","name":"answer","schema":{}}""", """{"type":"json_schema","json_schema":{"name":"answer","schema":{}}}""")]
    public void TextFormat_BecomesResponseFormat(string format, string? responseFormat)
    {
        var chat = Translate($$$"""{"model":"m","input":"Hi","text":{"format":{{{format}}}}}""");

        if (responseFormat is null)
        {
            Assert.False(chat.AsObject().ContainsKey("response_format"));
        }
        else
        {
            AssertJson(responseFormat, chat["response_format"]);
        }

        Assert.False(chat.AsObject().ContainsKey("text"));
    }

    [Fact]
    public void TextVerbosity_BecomesVerbosity()
    {
        Assert.Equal("low", (string?)Translate("""{"model":"m","input":"Hi","text":{"verbosity":"low"}}""")["verbosity"]);
    }

    [Fact]
    public void Stream_AsksForUsage_AndIsInTheInfo()
    {
        var chat = Translate("""{"model":"m","input":"Hi","stream":true}""", out var info);

        Assert.True((bool)chat["stream"]!);
        AssertJson("""{"include_usage":true}""", chat["stream_options"]);
        Assert.True(info.Stream);
        Assert.Equal("m", info.Model);
    }

    [Theory]
    [InlineData("")]
    [InlineData(",\"stream\":false")]
    [InlineData(",\"stream\":null")]
    public void NoStream_SendsNoStreamOptions(string stream)
    {
        var chat = Translate($$"""{"model":"m","input":"Hi"{{stream}}}""", out var info);

        Assert.False(chat.AsObject().ContainsKey("stream"));
        Assert.False(chat.AsObject().ContainsKey("stream_options"));
        Assert.False(info.Stream);
    }

    [Fact]
    public void ParametersWithoutAChatEquivalent_AreLeftOut()
    {
        var chat = Translate("""
            {"model":"m","input":"Hi","store":true,"include":["reasoning.encrypted_content"],"metadata":{"k":"v"},"truncation":"auto",
             "stream_options":{"include_obfuscation":false},"top_logprobs":3,"max_tool_calls":4,"background":false,"previous_response_id":null,
             "conversation":null,"prompt":null}
            """);

        Assert.Equal(["model", "messages"], chat.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void NullParameters_StandForNotSent()
    {
        var chat = Translate("""
            {"model":"m","input":"Hi","instructions":null,"tools":null,"tool_choice":null,"parallel_tool_calls":null,"temperature":null,"top_p":null,
             "user":null,"max_output_tokens":null,"reasoning":null,"text":null,"stream":null,"metadata":null}
            """);

        Assert.Equal(["model", "messages"], chat.AsObject().Select(p => p.Key));
        AssertJson("""[{"role":"user","content":"Hi"}]""", chat["messages"]);
    }

    [Theory]
    [InlineData("\"previous_response_id\":\"resp_1\"", "previous_response_id", "The gateway does not store responses: 'previous_response_id' is not supported. Send the whole conversation as input (store: false).")]
    [InlineData("\"conversation\":\"conv_1\"", "conversation", "The gateway does not store conversations: 'conversation' is not supported. Send the whole conversation as input (store: false).")]
    [InlineData("\"conversation\":{\"id\":\"conv_1\"}", "conversation", "The gateway does not store conversations: 'conversation' is not supported. Send the whole conversation as input (store: false).")]
    [InlineData("\"background\":true", "background", "'background' is served only by a provider serving OpenAI's Responses API itself, which keeps the response while it is generated: the model's deployments answer through chat completions. Send the request without it, with stream: true for a long answer.")]
    [InlineData("\"prompt\":{\"id\":\"pmpt_1\"}", "prompt", "The gateway does not store prompts: 'prompt' (a stored prompt template) is not supported. Send the instructions and input themselves.")]
    public void StatefulParameters_AreRefused(string field, string param, string message)
    {
        AssertRefused($$"""{"model":"m",{{Hi}},{{field}}}""", message, param, "unsupported_parameter");
    }

    [Fact]
    public void PreviousResponseIdWithoutInput_IsRefusedForTheId_NotTheMissingInput()
    {
        Assert.Equal("previous_response_id", Refuse("""{"model":"m","previous_response_id":"resp_1"}""").Param);
    }

    [Theory]
    [InlineData("web_search")]
    [InlineData("web_search_preview")]
    [InlineData("file_search")]
    [InlineData("computer_use_preview")]
    [InlineData("code_interpreter")]
    [InlineData("image_generation")]
    [InlineData("mcp")]
    [InlineData("local_shell")]
    public void HostedTools_AreLeftOut_TheFunctionsKept(string type)
    {
        // Codex offers web_search by default: no chat provider runs it, and the model answers without it.
        var chat = Translate($$"""{"model":"m",{{Hi}},"tools":[{"type":"function","name":"f"},{"type":"{{type}}"}],"tool_choice":"auto"}""");

        Assert.Equal(["f"], chat["tools"]!.AsArray().Select(t => (string?)t!["function"]!["name"]));
        Assert.Equal("auto", (string?)chat["tool_choice"]);
    }

    [Fact]
    public void HostedToolsAlone_LeaveNoTools_NorToolChoice()
    {
        var chat = Translate($$"""{"model":"m",{{Hi}},"tools":[{"type":"web_search","external_web_access":false}],"tool_choice":"auto","parallel_tool_calls":true}""");

        Assert.False(chat.AsObject().ContainsKey("tools"));
        Assert.False(chat.AsObject().ContainsKey("tool_choice"));
        Assert.False(chat.AsObject().ContainsKey("parallel_tool_calls"));
    }

    [Fact]
    public void ForcedHostedTool_IsRefused()
    {
        Assert.Equal("tool_choice.type", Refuse($$$"""{"model":"m",{{{Hi}}},"tools":[{"type":"web_search"}],"tool_choice":{"type":"web_search"}}""").Param);
    }

    [Fact]
    public void CustomTool_IsRefusedNamingTheType()
    {
        AssertRefused(
            $$"""{"model":"m",{{Hi}},"tools":[{"type":"function","name":"f"},{"type":"custom","name":"apply_patch"}]}""",
            "Tool type 'custom' is not supported through this gateway: only 'function' (and 'namespace') tools are.",
            "tools[1].type",
            "unsupported_parameter");
    }

    [Fact]
    public void NamespaceTools_BecomeFlatFunctions_AndNamespacedCalls_TheirFlatNames()
    {
        var chat = Translate("""
            {"model":"m","tools":[{"type":"function","name":"exec"},{"type":"namespace","name":"agents","description":"Sub-agents",
             "tools":[{"type":"function","name":"spawn","parameters":{"type":"object"}},{"type":"function","name":"close"}]}],
             "input":[{"role":"user","content":"Go"},{"type":"function_call","call_id":"c1","namespace":"agents","name":"spawn","arguments":"{}"},
             {"type":"function_call_output","call_id":"c1","output":"spawned"}]}
            """);

        Assert.Equal(["exec", "agents__spawn", "agents__close"], chat["tools"]!.AsArray().Select(t => (string?)t!["function"]!["name"]));
        Assert.Equal("""{"type":"object"}""", chat["tools"]![1]!["function"]!["parameters"]!.ToJsonString());
        Assert.Equal("agents__spawn", (string?)chat["messages"]![1]!["tool_calls"]![0]!["function"]!["name"]);
    }

    [Fact]
    public void NamespacesOfTheTools_AreInTheInfo_ForTheAnswer()
    {
        using var output = new PooledBufferWriter();
        var request = """{"model":"m","input":"Hi","tools":[{"type":"namespace","name":"agents","tools":[{"type":"function","name":"spawn"}]}]}"""u8.ToArray();

        Assert.True(ResponsesRequestTranslator.TryTranslate(request, output, out var info, out _));
        Assert.True(info.Namespaces.TrySplit("agents__spawn", out var space, out var name));
        Assert.Equal(("agents", "spawn"), (space, name));
        Assert.False(info.Namespaces.TrySplit("other__spawn", out _, out _));
    }

    [Fact]
    public void NamespaceWithACustomTool_IsRefused()
    {
        Assert.Equal(
            "tools[0].tools[0].type",
            Refuse($$$"""{"model":"m",{{{Hi}}},"tools":[{"type":"namespace","name":"n","tools":[{"type":"custom","name":"x"}]}]}""").Param);
    }

    [Theory]
    [InlineData("web_search_call")]
    [InlineData("computer_call")]
    [InlineData("computer_call_output")]
    [InlineData("local_shell_call")]
    [InlineData("custom_tool_call")]
    [InlineData("mcp_call")]
    public void UnsupportedInputItems_AreRefusedNamingTheType(string type)
    {
        AssertRefused(
            $$"""{"model":"m","input":[{"role":"user","content":"Hi"},{"type":"reasoning"},{"type":"{{type}}","id":"x"}]}""",
            $"Input item type '{type}' is not supported through this gateway: only 'message', 'function_call', 'function_call_output' and 'reasoning' items are.",
            "input[2].type",
            "unsupported_parameter");
    }

    [Fact]
    public void ItemReference_IsRefusedAsStoredState()
    {
        AssertRefused(
            """{"model":"m","input":[{"type":"item_reference","id":"msg_1"}]}""",
            "The gateway does not store responses: 'item_reference' input items are not supported. Send the referenced items themselves.",
            "input[0].type",
            "unsupported_parameter");
    }

    [Theory]
    [InlineData(
        """{"type":"input_image","file_id":"file-1"}""",
        "input[0].content[1].file_id",
        "The gateway stores no files: images by 'file_id' are not supported. Send the image as 'image_url' (a URL or a base64 data URL).")]
    [InlineData(
        """{"type":"input_file","file_id":"file-1"}""",
        "input[0].content[1].file_id",
        "The gateway stores no files: files by 'file_id' are not supported. Send the file's content as 'file_data' (a base64 data URL) with its 'filename'.")]
    [InlineData(
        """{"type":"input_file","file_url":"https://example.com/a.pdf"}""",
        "input[0].content[1].file_url",
        "Files by 'file_url' are not supported through this gateway: chat completions take a file's content only. Send it as 'file_data' (a base64 data URL) with its 'filename'.")]
    public void FilesByReference_AreRefused(string part, string param, string message)
    {
        AssertRefused($$"""{"model":"m","input":[{"role":"user","content":[{"type":"input_text","text":"Look"},{{part}}]}]}""", message, param, "unsupported_parameter");
    }

    [Theory]
    [InlineData("input_image")]
    [InlineData("input_file")]
    public void ImageOrFileInAFunctionCallOutput_IsRefused(string type)
    {
        AssertRefused(
            $$"""{"model":"m","input":[{"type":"function_call_output","call_id":"c","output":[{"type":"input_text","text":"x"},{"type":"{{type}}","image_url":"https://x/y.png"}]}]}""",
            "Images and files in function call outputs are not supported through this gateway: chat tool messages carry text only.",
            "input[0].output[1].type",
            "unsupported_parameter");
    }

    [Fact]
    public void ImageInAnAssistantMessage_IsRefused()
    {
        AssertRefused(
            """{"model":"m","input":[{"role":"assistant","content":[{"type":"input_image","image_url":"https://x/y.png"}]}]}""",
            "Invalid value: 'input_image'. Assistant messages can only hold text ('output_text' and 'refusal' parts).",
            "input[0].content[0].type",
            "invalid_value");
    }

    [Theory]
    [InlineData("""{"type":"allowed_tools","mode":"auto","tools":[]}""", "allowed_tools")]
    [InlineData("""{"type":"web_search_preview"}""", "web_search_preview")]
    [InlineData("""{"type":"custom","name":"x"}""", "custom")]
    public void ToolChoiceOfAnotherType_IsRefused(string choice, string type)
    {
        AssertRefused(
            $$"""{"model":"m",{{Hi}},"tool_choice":{{choice}}}""",
            $"Tool choice type '{type}' is not supported through this gateway: only 'function' (or the modes 'none', 'auto' and 'required') is.",
            "tool_choice.type",
            "unsupported_parameter");
    }

    [Theory]
    [InlineData("""{"input":"Hi"}""", "model")]
    [InlineData("""{"model":"","input":"Hi"}""", "model")]
    [InlineData("""{"model":null,"input":"Hi"}""", "model")]
    [InlineData("""{"model":"m"}""", "input")]
    [InlineData("""{"model":"m","input":null}""", "input")]
    [InlineData("""{"model":"m","input":[{"content":"Hi"}]}""", "input[0].role")]
    [InlineData("""{"model":"m","input":[{"type":"message","role":"user"}]}""", "input[0].content")]
    [InlineData("""{"model":"m","input":[{"role":"user","content":[{"text":"Hi"}]}]}""", "input[0].content[0].type")]
    [InlineData("""{"model":"m","input":[{"role":"user","content":[{"type":"input_text"}]}]}""", "input[0].content[0].text")]
    [InlineData("""{"model":"m","input":[{"role":"assistant","content":[{"type":"refusal"}]}]}""", "input[0].content[0].refusal")]
    [InlineData("""{"model":"m","input":[{"role":"user","content":[{"type":"input_image","detail":"low"}]}]}""", "input[0].content[0].image_url")]
    [InlineData("""{"model":"m","input":[{"role":"user","content":[{"type":"input_file","filename":"a.pdf"}]}]}""", "input[0].content[0].file_data")]
    [InlineData("""{"model":"m","input":[{"type":"function_call","name":"f","arguments":"{}"}]}""", "input[0].call_id")]
    [InlineData("""{"model":"m","input":[{"type":"function_call","call_id":"c","arguments":"{}"}]}""", "input[0].name")]
    [InlineData("""{"model":"m","input":[{"type":"function_call","call_id":"c","name":"f"}]}""", "input[0].arguments")]
    [InlineData("""{"model":"m","input":[{"type":"function_call_output","output":"x"}]}""", "input[0].call_id")]
    [InlineData("""{"model":"m","input":[{"type":"function_call_output","call_id":"c"}]}""", "input[0].output")]
    [InlineData("""{"model":"m","input":[{"type":"function_call_output","call_id":"c","output":[{"type":"input_text"}]}]}""", "input[0].output[0].text")]
    [InlineData("""{"model":"m","input":"Hi","tools":[{"name":"f"}]}""", "tools[0].type")]
    [InlineData("""{"model":"m","input":"Hi","tools":[{"type":"function"}]}""", "tools[0].name")]
    [InlineData("""{"model":"m","input":"Hi","tool_choice":{"type":"function"}}""", "tool_choice.name")]
    [InlineData("""{"model":"m","input":"Hi","tool_choice":{"name":"f"}}""", "tool_choice.type")]
    [InlineData("""{"model":"m","input":"Hi","text":{"format":{}}}""", "text.format.type")]
    [InlineData("""{"model":"m","input":"Hi","text":{"format":{"type":"json_schema","schema":{}}}}""", "text.format.name")]
    [InlineData("""{"model":"m","input":"Hi","text":{"format":{"type":"json_schema","name":"n"}}}""", "text.format.schema")]
    public void MissingParameter_IsRefusedNamingIt(string request, string param)
    {
        AssertRefused(request, $"Missing required parameter: '{param}'.", param, "missing_required_parameter");
    }

    [Theory]
    [InlineData("\"model\":5", "model", "a string", "an integer")]
    [InlineData("\"instructions\":[\"Be brief.\"]", "instructions", "a string", "an array")]
    [InlineData("\"tools\":{}", "tools", "an array", "an object")]
    [InlineData("\"tools\":[\"f\"]", "tools[0]", "an object", "a string")]
    [InlineData("\"tools\":[{\"type\":\"function\",\"name\":\"f\",\"parameters\":\"{}\"}]", "tools[0].parameters", "an object", "a string")]
    [InlineData("\"tools\":[{\"type\":\"function\",\"name\":\"f\",\"strict\":\"yes\"}]", "tools[0].strict", "a boolean", "a string")]
    [InlineData("\"tools\":[{\"type\":\"function\",\"name\":\"f\",\"description\":1}]", "tools[0].description", "a string", "an integer")]
    [InlineData("\"tools\":[{\"type\":1}]", "tools[0].type", "a string", "an integer")]
    [InlineData("\"tool_choice\":true", "tool_choice", "a string or an object", "a boolean")]
    [InlineData("\"tool_choice\":{\"type\":\"function\",\"name\":7}", "tool_choice.name", "a string", "an integer")]
    [InlineData("\"parallel_tool_calls\":\"no\"", "parallel_tool_calls", "a boolean", "a string")]
    [InlineData("\"stream\":1", "stream", "a boolean", "an integer")]
    [InlineData("\"background\":\"yes\"", "background", "a boolean", "a string")]
    [InlineData("\"temperature\":\"hot\"", "temperature", "a decimal", "a string")]
    [InlineData("\"top_p\":true", "top_p", "a decimal", "a boolean")]
    [InlineData("\"max_output_tokens\":\"100\"", "max_output_tokens", "an integer", "a string")]
    [InlineData("\"max_output_tokens\":1.5", "max_output_tokens", "an integer", "a decimal")]
    [InlineData("\"user\":42", "user", "a string", "an integer")]
    [InlineData("\"service_tier\":1", "service_tier", "a string", "an integer")]
    [InlineData("\"prompt_cache_key\":{}", "prompt_cache_key", "a string", "an object")]
    [InlineData("\"safety_identifier\":[]", "safety_identifier", "a string", "an array")]
    [InlineData("\"truncation\":false", "truncation", "a string", "a boolean")]
    [InlineData("\"metadata\":\"k=v\"", "metadata", "an object", "a string")]
    [InlineData("\"reasoning\":\"high\"", "reasoning", "an object", "a string")]
    [InlineData("\"reasoning\":{\"effort\":3}", "reasoning.effort", "a string", "an integer")]
    [InlineData("\"reasoning\":{\"summary\":true}", "reasoning.summary", "a string", "a boolean")]
    [InlineData("\"text\":\"json\"", "text", "an object", "a string")]
    [InlineData("\"text\":{\"format\":\"json_object\"}", "text.format", "an object", "a string")]
    [InlineData("\"text\":{\"verbosity\":1}", "text.verbosity", "a string", "an integer")]
    [InlineData("\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"n\",\"schema\":\"{}\"}}", "text.format.schema", "an object", "a string")]
    [InlineData("\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"n\",\"schema\":{},\"strict\":1}}", "text.format.strict", "a boolean", "an integer")]
    public void WrongType_IsRefusedNamingTheParameter_NotDropped(string field, string param, string expected, string got)
    {
        AssertRefused(
            $$"""{"model":"m",{{Hi}},{{field}}}""",
            $"Invalid type for '{param}': expected {expected}, but got {got} instead.",
            param,
            "invalid_type");
    }

    [Theory]
    [InlineData("{\"role\":\"user\"}", "input", "a string or an array", "an object")]
    [InlineData("5", "input", "a string or an array", "an integer")]
    [InlineData("[\"Hi\"]", "input[0]", "an object", "a string")]
    [InlineData("[{\"type\":5,\"role\":\"user\",\"content\":\"Hi\"}]", "input[0].type", "a string", "an integer")]
    [InlineData("[{\"role\":1,\"content\":\"Hi\"}]", "input[0].role", "a string", "an integer")]
    [InlineData("[{\"role\":\"user\",\"content\":5}]", "input[0].content", "a string or an array", "an integer")]
    [InlineData("[{\"role\":\"user\",\"content\":null}]", "input[0].content", "a string or an array", "null")]
    [InlineData("[{\"role\":\"user\",\"content\":[\"Hi\"]}]", "input[0].content[0]", "an object", "a string")]
    [InlineData("[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":5}]}]", "input[0].content[0].text", "a string", "an integer")]
    [InlineData("[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"image_url\":{\"url\":\"https://x\"}}]}]", "input[0].content[0].image_url", "a string", "an object")]
    [InlineData("[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"image_url\":\"https://x\",\"detail\":1}]}]", "input[0].content[0].detail", "a string", "an integer")]
    [InlineData("[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\",\"file_data\":[]}]}]", "input[0].content[0].file_data", "a string", "an array")]
    [InlineData("[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\",\"file_data\":\"d\",\"filename\":2}]}]", "input[0].content[0].filename", "a string", "an integer")]
    [InlineData("[{\"type\":\"function_call\",\"call_id\":\"c\",\"name\":\"f\",\"arguments\":{}}]", "input[0].arguments", "a string", "an object")]
    [InlineData("[{\"type\":\"function_call_output\",\"call_id\":1,\"output\":\"x\"}]", "input[0].call_id", "a string", "an integer")]
    [InlineData("[{\"type\":\"function_call_output\",\"call_id\":\"c\",\"output\":{}}]", "input[0].output", "a string or an array", "an object")]
    [InlineData("[{\"type\":\"function_call_output\",\"call_id\":\"c\",\"output\":[3]}]", "input[0].output[0]", "an object", "an integer")]
    public void InputItemsOfTheWrongType_AreRefusedNamingTheParameter(string input, string param, string expected, string got)
    {
        AssertRefused(
            $$"""{"model":"m","input":{{input}}}""",
            $"Invalid type for '{param}': expected {expected}, but got {got} instead.",
            param,
            "invalid_type");
    }

    [Theory]
    [InlineData("\"input\":[{\"role\":\"tool\",\"content\":\"x\"}]", "input[0].role", "'tool'", "'user', 'assistant', 'system', and 'developer'")]
    [InlineData("\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\"}]}]", "input[0].content[0].type", "'input_audio'", "'input_text', 'input_image', 'input_file', 'output_text', and 'refusal'")]
    [InlineData("\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"c\",\"output\":[{\"type\":\"output_text\",\"text\":\"x\"}]}]", "input[0].output[0].type", "'output_text'", "'input_text', 'input_image', and 'input_file'")]
    [InlineData("\"input\":\"Hi\",\"tool_choice\":\"any\"", "tool_choice", "'any'", "'none', 'auto', and 'required'")]
    [InlineData("\"input\":\"Hi\",\"text\":{\"format\":{\"type\":\"xml\"}}", "text.format.type", "'xml'", "'text', 'json_object', and 'json_schema'")]
    public void InvalidValue_IsRefusedListingTheSupportedOnes(string fields, string param, string value, string supported)
    {
        AssertRefused($$"""{"model":"m",{{fields}}}""", $"Invalid value: {value}. Supported values are: {supported}.", param, "invalid_value");
    }

    [Theory]
    [InlineData("\"max_output_tokens\":0", "max_output_tokens", "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 1, but got 0 instead.", "integer_below_min_value")]
    [InlineData("\"max_output_tokens\":3000000000", "max_output_tokens", "Invalid 'max_output_tokens': integer above maximum value. Expected a value <= 2147483647, but got 3000000000 instead.", "integer_above_max_value")]
    [InlineData("\"temperature\":1e400", "temperature", "Invalid 'temperature': decimal above maximum value. Expected a finite number, but got 1e400 instead.", "decimal_above_max_value")]
    public void NumberOutOfRange_IsRefusedInOpenAIsWords(string field, string param, string message, string code)
    {
        AssertRefused($$"""{"model":"m",{{Hi}},{{field}}}""", message, param, code);
    }

    [Theory]
    [InlineData("not json", "The request body is not valid JSON")]
    [InlineData("", "The request body is not valid JSON: the body is empty.")]
    [InlineData("{\"model\":\"m\",", "The request body is not valid JSON")]
    public void InvalidJson_IsRefused(string request, string message)
    {
        var error = Refuse(request);

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
        Assert.Null(error.Param);
        Assert.Equal("invalid_json", error.Code);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"hi\"")]
    [InlineData("null")]
    public void BodyThatIsNotAnObject_IsRefused(string request)
    {
        AssertRefused(request, "The request body must be a JSON object.", null, "invalid_request_body");
    }

    [Fact]
    public void NestingToTheChatCompletionsLimit_IsTranslated_AndBeyondIt_IsRefusedSayingSo()
    {
        static string Nested(int depth) =>
            $$$"""{"model":"m","input":"Hi","metadata":{"x":{{{new string('[', depth - 2)}}}{{{new string(']', depth - 2)}}}}}""";

        Assert.Equal("m", (string?)Translate(Nested(RequestJson.MaxDepth))["model"]);
        Assert.StartsWith("The request body is nested too deeply", Refuse(Nested(RequestJson.MaxDepth + 1)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model":"m","instructions":"Be brief.","input":[{"role":"user","content":"Hi"},{"type":"web_search_call"}],"stream":true}""")]
    [InlineData("""{"model":"m","input":"Hi","background":true,"stream":true}""")]
    public void RefusedRequest_WritesNothing_NamingItsModelWhenOnlyTheResponsesApiServesIt(string body)
    {
        using var output = new PooledBufferWriter();

        Assert.False(ResponsesRequestTranslator.TryTranslate(
            Encoding.UTF8.GetBytes(body),
            output,
            out var info,
            out var error));

        Assert.Equal(0, output.WrittenCount);
        Assert.True(error.ServedNatively);
        Assert.Equal(("m", true), (info.Model, info.Stream));
        Assert.Empty(info.Echo);
    }

    [Theory]
    [InlineData("""{"model":"m","input":"Hi","temperature":"hot"}""", "temperature")]
    [InlineData("""{"input":"Hi","previous_response_id":"resp_1"}""", "previous_response_id")]
    public void RefusedRequest_NoDeploymentCanServe_HasNoRoutingFacts(string body, string param)
    {
        using var output = new PooledBufferWriter();

        Assert.False(ResponsesRequestTranslator.TryTranslate(Encoding.UTF8.GetBytes(body), output, out var info, out var error));

        Assert.Equal(param, error.Param);
        Assert.Null(info.Model);
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void Echo_OfAMinimalRequest_HoldsOpenAIsDefaults()
    {
        Translate("""{"model":"m","input":"Hi"}""", out var info);

        AssertJson(
            """
            {"instructions":null,"max_output_tokens":null,"metadata":{},"parallel_tool_calls":true,"previous_response_id":null,
             "reasoning":{"effort":null,"summary":null},"store":false,"temperature":1,"text":{"format":{"type":"text"}},
             "tool_choice":"auto","tools":[],"top_p":1,"truncation":"disabled","user":null}
            """,
            EchoObject(info));
    }

    [Fact]
    public void Echo_IsAFragmentOfPropertiesInOpenAIsOrder()
    {
        Translate("""{"model":"m","input":"Hi"}""", out var info);
        var echo = Encoding.UTF8.GetString(info.Echo);

        Assert.StartsWith("\"instructions\":", echo, StringComparison.Ordinal);
        Assert.EndsWith("\"user\":null", echo, StringComparison.Ordinal);
        Assert.Equal(
            ["instructions", "max_output_tokens", "metadata", "parallel_tool_calls", "previous_response_id", "reasoning", "store", "temperature", "text", "tool_choice", "tools", "top_p", "truncation", "user"],
            EchoObject(info).AsObject().Select(p => p.Key));
    }

    [Fact]
    public void Echo_CopiesTheRequestsValues()
    {
        Translate(
            """
            {"model":"m","input":"Hi","instructions":"Be brief.","max_output_tokens":512,"metadata":{"run":"7"},"parallel_tool_calls":false,
             "reasoning":{"effort":"low","summary":"auto"},"store":true,"temperature":0.5,
             "text":{"format":{"type":"json_schema","name":"a","schema":{"type":"object"}},"verbosity":"high"},
             "tool_choice":{"type":"function","name":"f"},"tools":[{"type":"function","name":"f","parameters":{"type":"object"}}],
             "top_p":0.25,"truncation":"auto","user":"u-1"}
            """,
            out var info);

        AssertJson(
            """
            {"instructions":"Be brief.","max_output_tokens":512,"metadata":{"run":"7"},"parallel_tool_calls":false,"previous_response_id":null,
             "reasoning":{"effort":"low","summary":"auto"},"store":false,"temperature":0.5,
             "text":{"format":{"type":"json_schema","name":"a","schema":{"type":"object"}},"verbosity":"high"},
             "tool_choice":{"type":"function","name":"f"},"tools":[{"type":"function","name":"f","parameters":{"type":"object"}}],
             "top_p":0.25,"truncation":"auto","user":"u-1"}
            """,
            EchoObject(info));
    }

    [Fact]
    public void Echo_OfNullParameters_HoldsTheDefaults()
    {
        Translate("""{"model":"m","input":"Hi","metadata":null,"temperature":null,"reasoning":{"effort":null},"text":{"format":null},"tool_choice":null}""", out var info);
        var echo = EchoObject(info);

        AssertJson("{}", echo["metadata"]);
        Assert.Equal(1, (int)echo["temperature"]!);
        AssertJson("""{"effort":null,"summary":null}""", echo["reasoning"]);
        AssertJson("""{"format":{"type":"text"}}""", echo["text"]);
        Assert.Equal("auto", (string?)echo["tool_choice"]);
    }

    [Fact]
    public void CodexRequest_IsTranslated()
    {
        // As Codex CLI sends a turn that follows a tool call: its own instructions, the sandbox rules as a developer
        // message, the encrypted reasoning of the previous turn, and nothing stored on OpenAI's side.
        const string Request = """
            {"model":"gpt-5-codex","instructions":"You are Codex, based on GPT-5.",
             "input":[
               {"type":"message","role":"developer","content":[{"type":"input_text","text":"<permissions instructions>Sandbox: workspace-write.</permissions instructions>"}]},
               {"type":"message","role":"user","content":[{"type":"input_text","text":"List the files."}]},
               {"type":"reasoning","summary":[{"type":"summary_text","text":"**Listing files**"}],"content":null,"encrypted_content":"gAAAAABo"},
               {"type":"function_call","name":"shell","arguments":"{\"command\":[\"ls\"]}","call_id":"call_abc"},
               {"type":"function_call_output","call_id":"call_abc","output":"README.md\nsrc"}],
             "tools":[{"type":"function","name":"shell","description":"Runs a shell command and returns its output.","strict":false,
               "parameters":{"type":"object","properties":{"command":{"type":"array","items":{"type":"string"}}},"required":["command"],"additionalProperties":false}}],
             "tool_choice":"auto","parallel_tool_calls":false,"reasoning":{"effort":"medium","summary":"auto"},"store":false,"stream":true,
             "include":["reasoning.encrypted_content"],"prompt_cache_key":"0199a1b2-c3d4"}
            """;

        var chat = Translate(Request, out var info);

        AssertJson(
            """
            {"model":"gpt-5-codex",
             "messages":[
               {"role":"system","content":"You are Codex, based on GPT-5."},
               {"role":"system","content":"<permissions instructions>Sandbox: workspace-write.</permissions instructions>"},
               {"role":"user","content":"List the files."},
               {"role":"assistant","content":null,"tool_calls":[{"id":"call_abc","type":"function","function":{"name":"shell","arguments":"{\"command\":[\"ls\"]}"}}]},
               {"role":"tool","tool_call_id":"call_abc","content":"README.md\nsrc"}],
             "tools":[{"type":"function","function":{"name":"shell","description":"Runs a shell command and returns its output.",
               "parameters":{"type":"object","properties":{"command":{"type":"array","items":{"type":"string"}}},"required":["command"],"additionalProperties":false},"strict":false}}],
             "tool_choice":"auto","parallel_tool_calls":false,"prompt_cache_key":"0199a1b2-c3d4","reasoning_effort":"medium",
             "stream":true,"stream_options":{"include_usage":true}}
            """,
            chat);
        Assert.Equal("gpt-5-codex", info.Model);
        Assert.True(info.Stream);
        var echo = EchoObject(info);
        Assert.False((bool)echo["store"]!);
        Assert.False((bool)echo["parallel_tool_calls"]!);
        AssertJson("""{"effort":"medium","summary":"auto"}""", echo["reasoning"]);
        Assert.Equal("shell", (string?)echo["tools"]![0]!["name"]);
    }

    private static JsonArray Messages(string input) => Translate($$"""{"model":"m","input":{{input}}}""")["messages"]!.AsArray();

    private static JsonNode Translate(string request) => Translate(request, out _);

    private static JsonNode Translate(string request, out ResponsesRequestInfo info)
    {
        using var output = new PooledBufferWriter();
        Assert.True(ResponsesRequestTranslator.TryTranslate(Encoding.UTF8.GetBytes(request), output, out info, out var error), error.Message);
        return JsonNode.Parse(output.WrittenSpan)!;
    }

    private static ResponsesRequestError Refuse(string request)
    {
        using var output = new PooledBufferWriter();
        Assert.False(ResponsesRequestTranslator.TryTranslate(Encoding.UTF8.GetBytes(request), output, out _, out var error));
        return error;
    }

    private static void AssertRefused(string request, string message, string? param, string code)
    {
        Assert.Equal(new ResponsesRequestError(message, param, code), Refuse(request));
    }

    /// <summary>The echo as the response translators use it: properties spliced into an object.</summary>
    private static JsonNode EchoObject(ResponsesRequestInfo info) => JsonNode.Parse("{" + Encoding.UTF8.GetString(info.Echo) + "}")!;

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"Expected {JsonNode.Parse(expected)!.ToJsonString()}, got {actual?.ToJsonString()}");
}
