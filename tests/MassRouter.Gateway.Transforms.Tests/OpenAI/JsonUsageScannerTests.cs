using System.Text;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Tests.OpenAI;

/// <summary>The top-level usage of an answer read in pieces of any size, wherever the pieces cut it.</summary>
public class JsonUsageScannerTests
{
    private const string Embeddings =
        """{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.012,-0.5,1e-3]},{"object":"embedding","index":1,"embedding":"AAAAAAAAgD8="}],"model":"text-embedding-3-small","usage":{"prompt_tokens":12,"total_tokens":12}}""";

    private const string Completion =
        """{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"a \"usage\": {\"prompt_tokens\":99} in text"},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":5,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":3},"completion_tokens_details":{"reasoning_tokens":2}}}""";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(100_000)]
    public void Usage_IsFound_WhereverThePiecesCut(int pieceSize)
    {
        var embeddings = Scan(Embeddings, pieceSize);
        Assert.True(embeddings.IsKnown);
        Assert.Equal((12, 0), (embeddings.PromptTokens, embeddings.CompletionTokens));

        var completion = Scan(Completion, pieceSize);
        Assert.Equal((7, 5, 3, 2), (completion.PromptTokens, completion.CompletionTokens, completion.CachedPromptTokens, completion.ReasoningTokens));
    }

    [Theory]
    [InlineData("""{"note":"a } ] { [ \" , : \\","usage":{"prompt_tokens":3,"total_tokens":3}}""", 3)]
    [InlineData("""{"kind":"usage","usage_total":{"prompt_tokens":9},"usage":{"prompt_tokens":4}}""", 4)]
    [InlineData("""{"usage":{"prompt_tokens":5,"x":{"y":[1,{"z":"}"}]}},"data":[]}""", 5)]
    [InlineData(""" {"data":[{"usage":{"prompt_tokens":9}}], "usage" : {"prompt_tokens":6}}""", 6)]
    [InlineData("""{"a\"usage":1,"usage":{"prompt_tokens":7}}""", 7)]
    public void Structure_InStringsAndNestedValues_DoesNotMislead(string json, int promptTokens)
    {
        foreach (var size in new[] { 1, 2, 3, 5, 1000 })
        {
            var usage = Scan(json, size);
            Assert.True(usage.IsKnown, $"piece size {size}");
            Assert.Equal(promptTokens, usage.PromptTokens);
        }
    }

    [Theory]
    [InlineData("""{"object":"list","data":[{"usage":{"prompt_tokens":5}}],"model":"m"}""")]
    [InlineData("""{"object":"list","usage":null}""")]
    [InlineData("""{"object":"list","usage":[1,2]}""")]
    [InlineData("""{"object":"list","data":[1,2""")]
    [InlineData("""not json at all""")]
    [InlineData("""[{"usage":{"prompt_tokens":5}}]""")]
    [InlineData("""{"note":"\"usage\":{\"prompt_tokens\":5}"}""")]
    public void AnswerWithoutTopLevelUsage_LeavesItUnknown(string json)
    {
        foreach (var size in new[] { 1, 3, 1000 })
        {
            Assert.False(Scan(json, size).IsKnown);
        }
    }

    [Fact]
    public void LongAnswer_InPieces_HasItsUsageFoundAtTheEnd()
    {
        var data = string.Join(",", Enumerable.Range(0, 20_000).Select(i => $$"""{"object":"embedding","index":{{i}},"embedding":[0.1,0.2,0.3]}"""));
        var usage = Scan($$$"""{"object":"list","data":[{{{data}}}],"model":"m","usage":{"prompt_tokens":20000,"total_tokens":20000}}""", 8192);

        Assert.Equal(20_000, usage.PromptTokens);
    }

    private static TokenUsage Scan(string json, int pieceSize)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        using var scanner = new JsonUsageScanner();
        for (var offset = 0; offset < bytes.Length; offset += pieceSize)
        {
            scanner.Append(bytes.AsSpan(offset, Math.Min(pieceSize, bytes.Length - offset)));
        }

        var usage = default(TokenUsage);
        scanner.Complete(ref usage);
        return usage;
    }
}
