using System.Text;
using BenchmarkDotNet.Attributes;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Benchmarks;

/// <summary>
/// Reading the usage of a large non-streamed answer (256 embeddings of 1,536 floats, about 4 MB): piece by piece as the
/// relay receives it (64 KB reads), against the whole answer read at once, as answers under 1 MB still are.
/// </summary>
[MemoryDiagnoser]
public class JsonUsageScannerBenchmarks
{
    private const int Piece = 64 * 1024;

    private readonly byte[] _answer = Answer(inputs: 256, dimensions: 1536);

    [Benchmark(Baseline = true)]
    public long WholeAnswer()
    {
        var usage = default(TokenUsage);
        ChunkInspector.Inspect(_answer, ref usage);
        return usage.PromptTokens;
    }

    [Benchmark]
    public long InPieces()
    {
        using var scanner = new JsonUsageScanner();
        for (var offset = 0; offset < _answer.Length; offset += Piece)
        {
            scanner.Append(_answer.AsSpan(offset, Math.Min(Piece, _answer.Length - offset)));
        }

        var usage = default(TokenUsage);
        scanner.Complete(ref usage);
        return usage.PromptTokens;
    }

    private static byte[] Answer(int inputs, int dimensions)
    {
        var random = new Random(7);
        var json = new StringBuilder("{\"object\":\"list\",\"data\":[");
        for (var i = 0; i < inputs; i++)
        {
            json.Append(i == 0 ? "" : ",").Append("{\"object\":\"embedding\",\"index\":").Append(i).Append(",\"embedding\":[");
            for (var d = 0; d < dimensions; d++)
            {
                json.Append(d == 0 ? "" : ",").Append(((float)((random.NextDouble() * 0.2) - 0.1)).ToString("R", System.Globalization.CultureInfo.InvariantCulture));
            }

            json.Append("]}");
        }

        json.Append("],\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":2048,\"total_tokens\":2048}}");
        return Encoding.UTF8.GetBytes(json.ToString());
    }
}
