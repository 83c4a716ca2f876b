using System.Text;
using MassRouter.Gateway.Metering;

namespace MassRouter.Gateway.Tests.Metering;

public sealed class DeliveredOutputProgressTests
{
    private static readonly TokenCounter Counter = new();

    [Fact]
    public void Progress_IsReportedOncePerInterval_NotPerChunk()
    {
        using var output = new DeliveredOutput();
        var progress = new Recorder();
        output.ReportProgressTo(progress, TimeSpan.FromHours(1));
        for (var i = 0; i < 100; i++)
        {
            output.Append(Chunk("word "));
        }

        Assert.Equal(0, progress.Reports);

        output.ReportProgressTo(progress, TimeSpan.Zero);
        output.Append(Chunk("more"));
        Assert.Equal(1, progress.Reports);
    }

    [Fact]
    public void TokensSoFar_CountOnlyWhatIsNew_AndAddUpToTheWholeText()
    {
        using var output = new DeliveredOutput();
        Assert.Equal(0, output.CountTokensSoFar(Counter));
        output.Append(Chunk("The quick brown fox jumps over the lazy dog."));
        var first = output.CountTokensSoFar(Counter);
        Assert.True(first > 0);
        Assert.Equal(first, output.CountTokensSoFar(Counter));

        output.Append(Chunk(" Héllo wörld, again and again."));
        var both = output.CountTokensSoFar(Counter);
        Assert.True(both > first);

        // Split only at string boundaries: the same as counting the whole text, give or take a token at each split.
        Assert.InRange(both, output.CountTokens(Counter), output.CountTokens(Counter) + 1);
    }

    [Fact]
    public void BedrockEvents_CountTheirTextReasoningAndToolInput_NotTheirPadding()
    {
        // Payloads of ConverseStream events as the binary stream carries them (every one padded with "p").
        using var output = new DeliveredOutput();
        output.Append("""{"contentBlockIndex":0,"delta":{"text":"It is"},"p":"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"}"""u8);
        output.Append("""{"contentBlockIndex":1,"delta":{"reasoningContent":{"text":" sunny"}},"p":"abcdefghijklmnopq"}"""u8);
        output.Append("""{"contentBlockIndex":2,"delta":{"toolUse":{"input":"{\"city\":\"Paris\"}"}},"p":"abcdefghijklmnopqrstu"}"""u8);

        using var expected = new DeliveredOutput();
        expected.Append(Chunk("It is sunny{\"city\":\"Paris\"}"));
        Assert.Equal(expected.CountTokens(Counter), output.CountTokens(Counter));
    }

    private static byte[] Chunk(string content) =>
        Encoding.UTF8.GetBytes("""{"choices":[{"index":0,"delta":{"content":""" + System.Text.Json.JsonSerializer.Serialize(content) + "}}]}");

    private sealed class Recorder : IDeliveryProgress
    {
        public int Reports { get; private set; }

        public void OnDelivered(DeliveredOutput output) => Reports++;
    }
}
