using System.Text;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Tests.OpenAI;

namespace MassRouter.Gateway.Transforms.Tests.Translation;

/// <summary>
/// Every codec refuses a parameter it reads when its value has the wrong type, with the 400 OpenAI answers, instead of
/// sending the request on as if the parameter had not been given. The codec is driven directly, without the parser before it.
/// </summary>
public class ChatParameterTypesTests
{
    private static readonly string[] Kinds = [ProviderKinds.Anthropic, ProviderKinds.Gemini, ProviderKinds.Cohere, ProviderKinds.Bedrock];

    /// <summary>A field of the wrong type, the param the error names, its code and message.</summary>
    private static readonly (string Field, string Param, string Code, string Message)[] Refused =
    [
        ("\"max_tokens\":\"abc\"", "max_tokens", "invalid_type", "Invalid type for 'max_tokens': expected an integer, but got a string instead."),
        ("\"max_completion_tokens\":1.5", "max_completion_tokens", "invalid_type", "Invalid type for 'max_completion_tokens': expected an integer, but got a decimal instead."),
        ("\"max_tokens\":99999999999999999999", "max_tokens", "integer_above_max_value", "Invalid 'max_tokens': integer above maximum value. Expected a value <= 2147483647, but got 99999999999999999999 instead."),
        ("\"max_tokens\":1e30", "max_tokens", "integer_above_max_value", "Invalid 'max_tokens': integer above maximum value. Expected a value <= 2147483647, but got 1e30 instead."),
        ("\"temperature\":\"hot\"", "temperature", "invalid_type", "Invalid type for 'temperature': expected a decimal, but got a string instead."),
        ("\"temperature\":1e400", "temperature", "decimal_above_max_value", "Invalid 'temperature': decimal above maximum value. Expected a finite number, but got 1e400 instead."),
        ("\"presence_penalty\":-1e400", "presence_penalty", "decimal_below_min_value", "Invalid 'presence_penalty': decimal below minimum value. Expected a finite number, but got -1e400 instead."),
        ("\"top_p\":true", "top_p", "invalid_type", "Invalid type for 'top_p': expected a decimal, but got a boolean instead."),
        ("\"presence_penalty\":\"0\"", "presence_penalty", "invalid_type", "Invalid type for 'presence_penalty': expected a decimal, but got a string instead."),
        ("\"frequency_penalty\":[]", "frequency_penalty", "invalid_type", "Invalid type for 'frequency_penalty': expected a decimal, but got an array instead."),
        ("\"n\":\"2\"", "n", "invalid_type", "Invalid type for 'n': expected an integer, but got a string instead."),
        // OpenAI's bounds: a provider would answer in its own words, or take max_tokens 0 as no limit at all.
        ("\"max_tokens\":0", "max_tokens", "integer_below_min_value", "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got 0 instead."),
        ("\"max_completion_tokens\":-5", "max_completion_tokens", "integer_below_min_value", "Invalid 'max_completion_tokens': integer below minimum value. Expected a value >= 1, but got -5 instead."),
        ("\"n\":0", "n", "integer_below_min_value", "Invalid 'n': integer below minimum value. Expected a value >= 1, but got 0 instead."),
        ("\"n\":129", "n", "integer_above_max_value", "Invalid 'n': integer above maximum value. Expected a value <= 128, but got 129 instead."),
        ("\"top_logprobs\":-1", "top_logprobs", "integer_below_min_value", "Invalid 'top_logprobs': integer below minimum value. Expected a value >= 0, but got -1 instead."),
        ("\"top_logprobs\":21", "top_logprobs", "integer_above_max_value", "Invalid 'top_logprobs': integer above maximum value. Expected a value <= 20, but got 21 instead."),
        ("\"seed\":1e30", "seed", "integer_above_max_value", "Invalid 'seed': integer above maximum value. Expected a value <= 9223372036854775807, but got 1e30 instead."),
        ("\"top_logprobs\":\"3\"", "top_logprobs", "invalid_type", "Invalid type for 'top_logprobs': expected an integer, but got a string instead."),
        ("\"stream\":\"yes\"", "stream", "invalid_type", "Invalid type for 'stream': expected a boolean, but got a string instead."),
        ("\"logprobs\":1", "logprobs", "invalid_type", "Invalid type for 'logprobs': expected a boolean, but got an integer instead."),
        ("\"parallel_tool_calls\":\"no\"", "parallel_tool_calls", "invalid_type", "Invalid type for 'parallel_tool_calls': expected a boolean, but got a string instead."),
        ("\"user\":42", "user", "invalid_type", "Invalid type for 'user': expected a string, but got an integer instead."),
        ("\"reasoning_effort\":1", "reasoning_effort", "invalid_type", "Invalid type for 'reasoning_effort': expected a string, but got an integer instead."),
        ("\"stop\":5", "stop", "invalid_type", "Invalid type for 'stop': expected a string or an array of strings, but got an integer instead."),
        ("\"stop\":[\"a\",{}]", "stop[1]", "invalid_type", "Invalid type for 'stop[1]': expected a string, but got an object instead."),
        ("\"tools\":{}", "tools", "invalid_type", "Invalid type for 'tools': expected an array, but got an object instead."),
        ("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":5}}]", "tools[0].function.name", "invalid_type", "Invalid type for 'tools[0].function.name': expected a string, but got an integer instead."),
        ("\"tools\":[{\"type\":\"function\",\"function\":{}}]", "tools[0].function.name", "missing_required_parameter", "Missing required parameter: 'tools[0].function.name'."),
        ("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":\"{}\"}}]", "tools[0].function.parameters", "invalid_type", "Invalid type for 'tools[0].function.parameters': expected an object, but got a string instead."),
        ("\"functions\":[1]", "functions[0]", "invalid_type", "Invalid type for 'functions[0]': expected an object, but got an integer instead."),
        ("\"tool_choice\":5", "tool_choice", "invalid_type", "Invalid type for 'tool_choice': expected a string or an object, but got an integer instead."),
        ("\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":[]}}", "tool_choice.function.name", "invalid_type", "Invalid type for 'tool_choice.function.name': expected a string, but got an array instead."),
        ("\"response_format\":\"json\"", "response_format", "invalid_type", "Invalid type for 'response_format': expected an object, but got a string instead."),
        ("\"response_format\":{\"type\":\"json_schema\",\"json_schema\":[]}", "response_format.json_schema", "invalid_type", "Invalid type for 'response_format.json_schema': expected an object, but got an array instead."),
    ];

    /// <summary>Messages of the wrong shape, for the same codecs.</summary>
    private static readonly (string Messages, string Param, string Code, string Message)[] RefusedMessages =
    [
        ("\"hi\"", "messages", "invalid_type", "Invalid type for 'messages': expected an array, but got a string instead."),
        ("[\"hi\"]", "messages[0]", "invalid_type", "Invalid type for 'messages[0]': expected an object, but got a string instead."),
        ("[{\"content\":\"hi\"}]", "messages[0].role", "missing_required_parameter", "Missing required parameter: 'messages[0].role'."),
        ("[{\"role\":\"user\",\"content\":5}]", "messages[0].content", "invalid_type", "Invalid type for 'messages[0].content': expected a string or an array of content parts, but got an integer instead."),
        ("[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":1}]}]", "messages[0].content[0].text", "invalid_type", "Invalid type for 'messages[0].content[0].text': expected a string, but got an integer instead."),
        ("[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\"}]}]", "messages[0].tool_calls[0].function", "missing_required_parameter", "Missing required parameter: 'messages[0].tool_calls[0].function'."),
        ("[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":{}}}]}]", "messages[0].tool_calls[0].function.arguments", "invalid_type", "Invalid type for 'messages[0].tool_calls[0].function.arguments': expected a string, but got an object instead."),
    ];

    public static TheoryData<string, string, string, string, string> WrongTypes()
    {
        var data = new TheoryData<string, string, string, string, string>();
        foreach (var kind in Kinds)
        {
            foreach (var (field, param, code, message) in Refused)
            {
                data.Add(kind, $$"""{"model":"m",{{field}},"messages":[{"role":"user","content":"hi"}]}""", param, code, message);
            }

            foreach (var (messages, param, code, message) in RefusedMessages)
            {
                data.Add(kind, $$"""{"model":"m","messages":{{messages}}}""", param, code, message);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(WrongTypes))]
    public void WrongType_IsA400NamingTheParameter_NotDropped(string kind, string body, string param, string code, string message)
    {
        Assert.False(TryWrite(kind, body, out _, out var error));

        Assert.Equal((400, message, param, code), (error.Status, error.Message, error.Param, error.Code));
    }

    public static TheoryData<string> AllKinds() => [.. Kinds];

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void NullParameters_StandForNotSent(string kind)
    {
        const string body = """
            {"model":"m","max_tokens":null,"temperature":null,"top_p":null,"stop":null,"user":null,"tools":null,"tool_choice":null,
             "response_format":null,"reasoning_effort":null,"n":null,"logprobs":null,"parallel_tool_calls":null,
             "messages":[{"role":"user","content":"hi","name":null},{"role":"assistant","content":null,"tool_calls":null}]}
            """;

        Assert.True(TryWrite(kind, body, out _, out var error), error.Message);
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void BoundsThemselves_AreTaken(string kind)
    {
        const string body = """{"model":"m","max_tokens":1,"n":1,"top_logprobs":0,"messages":[{"role":"user","content":"hi"}]}""";

        Assert.True(TryWrite(kind, body, out _, out var error), error.Message);
        Assert.True(TryWrite(kind, body.Replace("\"max_tokens\":1", "\"max_completion_tokens\":2147483647", StringComparison.Ordinal), out _, out error), error.Message);
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void WholeMaxTokens_InDecimalNotation_IsSentAsAnInteger(string kind)
    {
        Assert.True(TryWrite(kind, """{"model":"m","max_tokens":1e3,"messages":[{"role":"user","content":"hi"}]}""", out var request, out var error), error.Message);

        Assert.Contains("1000", request, StringComparison.Ordinal);
        Assert.DoesNotContain("1e3", request, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void NestingAsDeepAsTheParserTakes_IsTranslated(string kind)
    {
        var body = ChatRequestParserTests.Nested(MassRouter.Gateway.Transforms.Translation.RequestJson.MaxDepth).Replace("\"messages\":[]", "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]", StringComparison.Ordinal);
        Assert.True(ChatRequestParser.TryParse(Encoding.UTF8.GetBytes(body), out _, out var parsed), parsed.Message);

        Assert.True(TryWrite(kind, body, out var request, out var error), error.Message);
        Assert.NotNull(JsonNode.Parse(request));
    }

    [Theory]
    [MemberData(nameof(AllKinds))]
    public void UnsupportedParameter_BeyondADoublesRange_IsRefusedAsUnsupported(string kind)
    {
        Assert.False(TryWrite(kind, """{"model":"m","top_k":1e400,"messages":[{"role":"user","content":"hi"}]}""", out _, out var error));

        Assert.Equal(("top_k", "unsupported_parameter"), (error.Param, error.Code));
    }

    private static bool TryWrite(string kind, string body, out string request, out CodecError error)
    {
        using var output = new PooledBufferWriter();
        var written = ChatCodecs.ForKind(kind)!.TryWriteRequest(Encoding.UTF8.GetBytes(body), default, "upstream-model", output, out error);
        request = Encoding.UTF8.GetString(output.WrittenSpan);
        return written;
    }
}
