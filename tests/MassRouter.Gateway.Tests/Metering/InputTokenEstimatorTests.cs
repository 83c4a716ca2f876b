using System.Text;
using MassRouter.Gateway.Metering;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>
/// The prompt estimate metering admits a request with (a token per 4 bytes of text) against the tokenizer's count, and
/// what neither reads as text: an image's, audio's or file's base64 data.
/// </summary>
public class InputTokenEstimatorTests
{
    private static readonly InputTokenEstimator Estimator = new(new TokenCounter());

    public static TheoryData<string> Prompts => new()
    {
        """{"model":"m","messages":[{"role":"system","content":"You are a helpful assistant that answers briefly."},{"role":"user","content":"Explain how a streaming gateway relays server-sent events to its clients, and why every event is flushed the moment it arrives."}]}""",
        """{"model":"m","messages":[{"role":"user","content":"def relay(events):\n    for event in events:\n        yield event.encode('utf-8')  # flushed at once\n"}]}""",
        """{"model":"m","messages":[{"role":"user","content":"ゲートウェイはトークンが届いた瞬間にクライアントへ送ります。遅延はマイクロ秒です。"}]}""",
        """{"model":"m","instructions":"You are a coding agent.","input":[{"role":"user","content":[{"type":"input_text","text":"Fix the failing test in the relay and explain the change you made to it."}]}],"tools":[{"type":"function","name":"read_file","description":"Reads a file","parameters":{"type":"object","properties":{"path":{"type":"string"}}}}]}""",

        // A legacy completion: its prompt and (fill-in-the-middle) suffix are what the model reads.
        """{"model":"m","prompt":"def relay(events):\n    \"\"\"Yield every server-sent event the moment it arrives.\"\"\"\n","suffix":"\n    return count\n","max_tokens":64}""",
    };

    [Fact]
    public void ALegacyCompletionsPrompt_IsCounted_TextOrTokenIds()
    {
        Assert.True(Estimator.Approximate("""{"model":"m","prompt":"Once upon a time, in a gateway far away, every token was relayed at once."}"""u8) > 10);
        Assert.Equal(
            Estimator.Approximate("""{"model":"m","prompt":""}"""u8) + 5,
            Estimator.Approximate("""{"model":"m","prompt":[[1,2,3],[4,5]]}"""u8));
    }

    [Theory]
    [MemberData(nameof(Prompts))]
    public void TheApproximation_StaysNearTheTokenizersCount(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var exact = Estimator.Estimate(bytes);
        var approximate = Estimator.Approximate(bytes);

        Assert.InRange(approximate, exact * 0.6, exact * 1.6);
    }

    [Theory]
    [InlineData("""{"type":"image_url","image_url":{"url":"data:image/png;base64,BASE64"}}""")]
    [InlineData("""{"type":"image_url","image_url":{"url":"https://example.com/cat.png","detail":"high"}}""")]
    [InlineData("""{"type":"input_audio","input_audio":{"data":"BASE64","format":"wav"}}""")]
    [InlineData("""{"type":"file","file":{"file_data":"BASE64","filename":"report.pdf"}}""")]
    public void AChatAttachment_IsAShare_NotItsBase64(string part)
    {
        var base64 = Convert.ToBase64String(new byte[96 * 1024]);
        var body = Encoding.UTF8.GetBytes(
            $$"""{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},{{part.Replace("BASE64", base64, StringComparison.Ordinal)}}]}]}""");

        // 1,600 for the attachment and a handful for the text and framing: not 128 KB of base64 read as text (~90,000).
        Assert.InRange(Estimator.Approximate(body), 1_600, 1_700);
        Assert.InRange(Estimator.Estimate(body), 1_600, 1_700);
    }

    [Fact]
    public void AnEmbeddingsInputOfTokenIds_CountsATokenPerId()
    {
        var ids = string.Join(",", Enumerable.Range(1, 31));
        var body = Encoding.UTF8.GetBytes($$"""{"model":"m","input":[[1,2],[{{ids}}]]}""");

        Assert.Equal(3 + 33, Estimator.Approximate(body));
        Assert.Equal(3 + 33, Estimator.Estimate(body));
        Assert.Equal(3 + 3, Estimator.Approximate(Encoding.UTF8.GetBytes("""{"model":"m","input":[1,2,3]}""")));
    }

    [Fact]
    public void NumbersInMessages_AreNotTokenIds()
    {
        var body = Encoding.UTF8.GetBytes("""{"model":"m","messages":[{"role":"user","content":"Hi","index":7}],"temperature":0.2}""");

        Assert.Equal(Estimator.Approximate(Encoding.UTF8.GetBytes("""{"model":"m","messages":[{"role":"user","content":"Hi"}]}""")), Estimator.Approximate(body));
    }
}
