using System.Text;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Tests.OpenAI;

/// <summary>What the parser reads for every provider kind (passthrough included) is refused, when malformed, as OpenAI refuses it.</summary>
public class ChatRequestParserTests
{
    [Theory]
    [InlineData("\"max_tokens\":\"abc\"", "max_tokens", "Invalid type for 'max_tokens': expected an integer, but got a string instead.")]
    [InlineData("\"max_completion_tokens\":true", "max_completion_tokens", "Invalid type for 'max_completion_tokens': expected an integer, but got a boolean instead.")]
    [InlineData("\"max_tokens\":1.5", "max_tokens", "Invalid type for 'max_tokens': expected an integer, but got a decimal instead.")]
    [InlineData("\"max_completion_tokens\":5,\"max_tokens\":{}", "max_tokens", "Invalid type for 'max_tokens': expected an integer, but got an object instead.")]
    [InlineData("\"stream\":\"yes\"", "stream", "Invalid type for 'stream': expected a boolean, but got a string instead.")]
    [InlineData("\"stream_options\":5", "stream_options", "Invalid type for 'stream_options': expected an object, but got an integer instead.")]
    [InlineData("\"stream_options\":{\"include_usage\":\"no\"}", "stream_options.include_usage", "Invalid type for 'stream_options.include_usage': expected a boolean, but got a string instead.")]
    [InlineData("\"models\":\"a\"", "models", "Invalid type for 'models': expected an array of strings, but got a string instead.")]
    [InlineData("\"models\":[\"a\",1]", "models[1]", "Invalid type for 'models[1]': expected a string, but got an integer instead.")]
    [InlineData("\"provider\":[]", "provider", "Invalid type for 'provider': expected an object, but got an array instead.")]
    [InlineData("\"provider\":{\"allow_fallbacks\":\"no\"}", "provider.allow_fallbacks", "Invalid type for 'provider.allow_fallbacks': expected a boolean, but got a string instead.")]
    public void WrongType_IsRefused_InOpenAIsWords(string field, string param, string message)
    {
        var error = ParseError($$"""{"model":"m",{{field}},"messages":[]}""");

        Assert.Equal((message, param, "invalid_type"), (error.Message, error.Param, error.Code));
    }

    [Fact]
    public void WrongTypeOfModel_IsRefused_InOpenAIsWords()
    {
        var error = ParseError("""{"model":["m"],"messages":[]}""");

        Assert.Equal(("Invalid type for 'model': expected a string, but got an array instead.", "model", "invalid_type"), (error.Message, error.Param, error.Code));
    }

    [Theory]
    [InlineData("99999999999999999999", "integer_above_max_value", "Invalid 'max_tokens': integer above maximum value. Expected a value <= 2147483647, but got 99999999999999999999 instead.")]
    [InlineData("1e30", "integer_above_max_value", "Invalid 'max_tokens': integer above maximum value. Expected a value <= 2147483647, but got 1e30 instead.")]
    [InlineData("2147483648", "integer_above_max_value", "Invalid 'max_tokens': integer above maximum value. Expected a value <= 2147483647, but got 2147483648 instead.")]
    [InlineData("-99999999999999999999", "integer_below_min_value", "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got -99999999999999999999 instead.")]
    [InlineData("-5", "integer_below_min_value", "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got -5 instead.")]
    [InlineData("0", "integer_below_min_value", "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got 0 instead.")]
    public void AbsurdMaxTokens_IsRefused_NamingTheField(string value, string code, string message)
    {
        var error = ParseError($$"""{"model":"m","max_tokens":{{value}},"messages":[]}""");

        Assert.Equal((message, "max_tokens", code), (error.Message, error.Param, error.Code));
    }

    [Theory]
    [InlineData("100")]
    [InlineData("100.0")]
    [InlineData("1e2")]
    public void WholeNumber_IsMaxTokens_InAnyNotation(string value)
    {
        Assert.Equal(100, Parse($$"""{"model":"m","max_tokens":{{value}},"messages":[]}""").MaxTokens);
    }

    [Fact]
    public void NullParameters_StandForNotSent()
    {
        var info = Parse("""{"model":"m","max_completion_tokens":null,"max_tokens":7,"stream":null,"stream_options":null,"models":null,"provider":null}""");

        Assert.Equal(7, info.MaxTokens);
        Assert.False(info.Stream);
    }

    [Fact]
    public void MaxCompletionTokens_WinsWhereverItStands()
    {
        Assert.Equal(5, Parse("""{"model":"m","max_completion_tokens":5,"max_tokens":9}""").MaxTokens);
        Assert.Equal(5, Parse("""{"model":"m","max_tokens":9,"max_completion_tokens":5}""").MaxTokens);
    }

    [Theory]
    [InlineData("""{"model":"m","user":"alice"}""", "alice")]
    [InlineData("""{"model":"m","safety_identifier":"hash-1"}""", "hash-1")]
    [InlineData("""{"model":"m","user":"alice","safety_identifier":"hash-1"}""", "alice")]
    [InlineData("""{"model":"m","safety_identifier":"hash-1","user":"alice"}""", "alice")]
    [InlineData("""{"model":"m","user":"","safety_identifier":"hash-1"}""", "hash-1")]
    [InlineData("""{"model":"m","user":42}""", null)]
    [InlineData("""{"model":"m","user":{"id":"alice"}}""", null)]
    [InlineData("""{"model":"m","user":null}""", null)]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"hi","name":"alice"}]}""", null)]
    public void TheEndUser_IsUser_ElseSafetyIdentifier_WhenAString(string body, string? expected)
    {
        // The provider validates either field: a value of another type is forwarded as sent, not refused.
        Assert.Equal(expected, Parse(body).ReadUser(Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public void TheEndUser_IsCut_ToWhatTheLedgerKeeps_NeverInsideASurrogatePair()
    {
        Assert.Equal(new string('a', EndUser.MaxLength), User($$"""{"model":"m","user":"{{new string('a', 300)}}"}"""));
        var emoji = new string('a', EndUser.MaxLength - 1) + "\ud83d\ude00" + "tail";
        Assert.Equal(new string('a', EndUser.MaxLength - 1), User($$"""{"model":"m","user":"{{emoji}}"}"""));
        Assert.Equal("é \"quoted\"", User("""{"model":"m","user":"\u00e9 \"quoted\""}"""));

        static string? User(string body) => Parse(body).ReadUser(Encoding.UTF8.GetBytes(body));
    }

    [Fact]
    public void TheEndUser_IsNotMaterialised_WhileParsing()
    {
        // Read for metered keys only (ChatRequestInfo.ReadUser): an unmetered request pays nothing for its user field.
        Assert.Equal(
            Allocated("""{"model":"m","messages":[]}"""u8.ToArray()),
            Allocated("""{"model":"m","user":"user-1234","safety_identifier":"hash","messages":[]}"""u8.ToArray()));
    }

    [Fact]
    public void NestingToTheLimit_IsAccepted()
    {
        Assert.Equal("m", Parse(Nested(RequestJson.MaxDepth)).Model);
    }

    [Fact]
    public void NestingBeyondTheLimit_Is400_SayingHowDeepIsAllowed()
    {
        var error = ParseError(Nested(RequestJson.MaxDepth + 1));

        Assert.Equal("invalid_json", error.Code);
        Assert.Null(error.Param);
        Assert.StartsWith("The request body is nested too deeply at line 1, byte ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(": at most 256 levels of objects and arrays are accepted.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParametersItReads_AllocateNothing()
    {
        var bare = """{"model":"m","messages":[]}"""u8.ToArray();
        var full = """{"model":"m","max_tokens":100.0,"max_completion_tokens":64,"stream":true,"stream_options":{"include_usage":false},"temperature":0.5,"messages":[]}"""u8.ToArray();
        Allocated(bare);
        Allocated(full);

        // The model id is the one string the parser materialises, whatever else the request carries.
        Assert.Equal(Allocated(bare), Allocated(full));
    }

    /// <summary>A request whose objects and arrays nest <paramref name="depth"/> levels deep, the top-level object included.</summary>
    internal static string Nested(int depth) =>
        $$"""{"model":"m","messages":[],"metadata":{{new string('[', depth - 2)}}{}{{new string(']', depth - 2)}}}""";

    private static long Allocated(byte[] body)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
        {
            Assert.True(ChatRequestParser.TryParse(body, out _, out _));
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static ChatRequestInfo Parse(string body)
    {
        Assert.True(ChatRequestParser.TryParse(Encoding.UTF8.GetBytes(body), out var info, out var error), error.Message);
        return info;
    }

    private static RequestError ParseError(string body)
    {
        Assert.False(ChatRequestParser.TryParse(Encoding.UTF8.GetBytes(body), out _, out var error));
        return error;
    }
}
