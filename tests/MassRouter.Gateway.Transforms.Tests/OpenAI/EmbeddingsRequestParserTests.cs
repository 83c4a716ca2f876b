using System.Text;
using MassRouter.Gateway.Transforms.OpenAI;

namespace MassRouter.Gateway.Transforms.Tests.OpenAI;

/// <summary>An embeddings body is read for routing, and its <c>input</c> refused in OpenAI's words when it has none of OpenAI's four forms.</summary>
public class EmbeddingsRequestParserTests
{
    [Theory]
    [InlineData("\"hello\"")]
    [InlineData("\"\"")]
    [InlineData("[\"a\",\"b\"]")]
    [InlineData("[1,2,3]")]
    [InlineData("[[1,2],[3]]")]
    public void EveryFormOfInput_IsTaken(string input)
    {
        var body = $$"""{"input":{{input}},"model":"emb/small","encoding_format":"base64","dimensions":256,"user":"u-1","input_type":"query"}""";

        Assert.True(EmbeddingsRequestParser.TryParse(Encoding.UTF8.GetBytes(body), out var info, out var error), error.Message);
        Assert.Equal("emb/small", info.Model);
        Assert.Equal("\"emb/small\"", body.Substring(info.ModelTokenStart, info.ModelTokenLength));
        Assert.False(info.Stream);
        Assert.False(info.GatewayProperties.Any);
    }

    [Fact]
    public void RoutingFields_AreRead_ForRemoval()
    {
        var body = """{"model":"a","models":["b"],"provider":{"order":["sim"]},"input":"x"}""";

        Assert.True(EmbeddingsRequestParser.TryParse(Encoding.UTF8.GetBytes(body), out var info, out _));
        Assert.Equal(["b"], info.FallbackModels);
        Assert.Equal(["sim"], info.Provider!.Order);
        Assert.True(info.GatewayProperties.Any);
    }

    [Theory]
    [InlineData("""{"input":"x"}""", "model", "missing_required_parameter", "You must provide a model parameter.")]
    [InlineData("""{"model":"m"}""", "input", "missing_required_parameter", "Missing required parameter: 'input'.")]
    [InlineData("""{"model":3,"input":"x"}""", "model", "invalid_type", "Invalid type for 'model': expected a string, but got an integer instead.")]
    [InlineData("""{"model":"m","input":null}""", "input", "invalid_type", "Invalid type for 'input': expected a string or an array of strings, of token ids or of token id arrays, but got null instead.")]
    [InlineData("""{"model":"m","input":{"text":"x"}}""", "input", "invalid_type", "Invalid type for 'input': expected a string or an array of strings, of token ids or of token id arrays, but got an object instead.")]
    [InlineData("""{"model":"m","input":[]}""", "input", "empty_array", "Invalid 'input': empty array. Expected an array with minimum length 1, but got an empty array instead.")]
    [InlineData("""{"model":"m","input":[{"text":"x"}]}""", "input[0]", "invalid_type", "Invalid type for 'input[0]': expected a string, a token id or an array of token ids, but got an object instead.")]
    [InlineData("""{"model":"m","input":["a",2]}""", "input[1]", "invalid_type", "Invalid type for 'input[1]': expected a string, but got an integer instead.")]
    [InlineData("""{"model":"m","input":[1,"a"]}""", "input[1]", "invalid_type", "Invalid type for 'input[1]': expected an integer, but got a string instead.")]
    [InlineData("""{"model":"m","input":[[1],"a"]}""", "input[1]", "invalid_type", "Invalid type for 'input[1]': expected an array of integers, but got a string instead.")]
    [InlineData("""{"model":"m","input":[[1],[2,"a",3]]}""", "input[1][1]", "invalid_type", "Invalid type for 'input[1][1]': expected an integer, but got a string instead.")]
    [InlineData("""{"model":"m","input":[[1],[]]}""", "input[1]", "empty_array", "Invalid 'input[1]': empty array. Expected an array with minimum length 1, but got an empty array instead.")]
    [InlineData("""{"model":"m","input":[1,-2]}""", "input[1]", "integer_below_min_value", "Invalid 'input[1]': integer below minimum value. Expected a value >= 0, but got -2 instead.")]
    [InlineData("""{"model":"m","input":[1.5]}""", "input[0]", "invalid_type", "Invalid type for 'input[0]': expected an integer, but got a decimal instead.")]
    public void MalformedRequest_IsRefused_InOpenAIsWords(string body, string param, string code, string message)
    {
        Assert.False(EmbeddingsRequestParser.TryParse(Encoding.UTF8.GetBytes(body), out _, out var error));

        Assert.Equal((message, param, code), (error.Message, error.Param, error.Code));
    }

    [Theory]
    [InlineData("""{"input":[{"a":[1,2]},"x"],"model":"m","dimensions":8}""", "input[0]")]
    [InlineData("""{"input":[[1,[2]],[3]],"model":"m"}""", "input[0][1]")]
    [InlineData("""{"input":["a",[1,{"b":2}],"c"],"model":"m"}""", "input[1]")]
    public void RefusedInput_ReadsOnToTheBodysEnd_SoTheErrorNamesTheInput(string body, string param)
    {
        // After a bad element the reader must leave the whole input array behind, or the rest of the body would read as
        // "unexpected data after the top-level object".
        Assert.False(EmbeddingsRequestParser.TryParse(Encoding.UTF8.GetBytes(body), out _, out var error));

        Assert.Equal(param, error.Param);
    }

    [Fact]
    public void InvalidJson_IsRefused_AsInvalidJson()
    {
        Assert.False(EmbeddingsRequestParser.TryParse("""{"model":"m","input":["a",]}"""u8, out _, out var error));

        Assert.Equal("invalid_json", error.Code);
    }
}
