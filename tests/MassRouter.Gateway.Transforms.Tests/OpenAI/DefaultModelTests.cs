using System.Text;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;

namespace MassRouter.Gateway.Transforms.Tests.OpenAI;

public class DefaultModelTests
{
    [Theory]
    [InlineData("""{}""", """{"model":"omni-moderation-latest"}""")]
    [InlineData("""{"input":"hi"}""", """{"model":"omni-moderation-latest","input":"hi"}""")]
    [InlineData("""  {"input":[{"model":1}]}""", """  {"model":"omni-moderation-latest","input":[{"model":1}]}""")]
    public void WritesTheModelFirst_TheRestAsSent(string body, string expected) =>
        Assert.Equal(expected, Insert(body, "omni-moderation-latest"));

    [Fact]
    public void TheModelIsWrittenAsAJsonString() =>
        Assert.Equal("a\"b/é", (string?)System.Text.Json.Nodes.JsonNode.Parse(Insert("{}", "a\"b/é")!)!["model"]);

    [Theory]
    [InlineData("""{"model":null}""")]
    [InlineData("""{"input":"hi","model":""}""")]
    [InlineData("""[]""")]
    [InlineData("\"text\"")]
    [InlineData("""{"input":""")]
    public void ABodyWithAModel_OrNotAnObject_IsLeftAlone(string body) => Assert.Null(Insert(body, "m"));

    private static string? Insert(string body, string model)
    {
        using var output = new PooledBufferWriter();
        return DefaultModel.TryInsert(Encoding.UTF8.GetBytes(body), model, output) ? Encoding.UTF8.GetString(output.WrittenSpan) : null;
    }
}
