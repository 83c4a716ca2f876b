using System.Buffers;
using System.Text;
using MassRouter.Gateway.Transforms.OpenAI;

namespace MassRouter.Gateway.Transforms.Tests.OpenAI;

public class OpenAIErrorWriterTests
{
    [Fact]
    public void TheMessage_IsWrittenAsAPersonReadsIt_InOpenAIsShape()
    {
        var output = new ArrayBufferWriter<byte>();

        OpenAIErrorWriter.Write(output, "The model 'sim/x' does not exist — or you can't use it.", "invalid_request_error", "model", "model_not_found");

        Assert.Equal(
            """{"error":{"message":"The model 'sim/x' does not exist — or you can't use it.","type":"invalid_request_error","param":"model","code":"model_not_found"}}""",
            Encoding.UTF8.GetString(output.WrittenSpan));
    }
}
