using System.Text;
using BenchmarkDotNet.Attributes;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;

namespace MassRouter.Benchmarks;

/// <summary>
/// The request hot path: parse what routing needs from a typical 2 KB chat request, then rewrite it; and an embeddings
/// request's parse (a batch of 64 texts, and 8 inputs of 128 token ids).
/// </summary>
[MemoryDiagnoser]
public class RequestHotPathBenchmarks
{
    private readonly PooledBufferWriter _output = new(8192);
    private byte[] _body = [];
    private byte[] _texts = [];
    private byte[] _tokenIds = [];

    [GlobalSetup]
    public void Setup()
    {
        var history = string.Join(",", Enumerable.Range(0, 8).Select(i =>
            $$"""{"role":"{{(i % 2 == 0 ? "user" : "assistant")}}","content":"Message {{i}}: {{new string('x', 160)}} with some \"quoted\" text and unicode é."}"""));
        const string Tools = ""","temperature":0.7,"top_p":1,"stream":true,"user":"user-1234","tools":[{"type":"function","function":{"name":"get_weather","description":"Get the weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]}""";
        var json = """{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a helpful assistant."},""" + history + "]" + Tools;
        _body = Encoding.UTF8.GetBytes(json);

        var texts = string.Join(",", Enumerable.Range(0, 64).Select(i => $"\"Passage {i} of a document being indexed for retrieval.\""));
        _texts = Encoding.UTF8.GetBytes($$"""{"model":"text-embedding-3-small","input":[{{texts}}],"encoding_format":"base64"}""");
        var ids = string.Join(",", Enumerable.Range(0, 8).Select(i => "[" + string.Join(",", Enumerable.Range(i * 1000, 128)) + "]"));
        _tokenIds = Encoding.UTF8.GetBytes($$"""{"model":"text-embedding-3-small","input":[{{ids}}]}""");
    }

    [Benchmark]
    public int Parse()
    {
        return ChatRequestParser.TryParse(_body, out var info, out _) ? info.ModelTokenLength : -1;
    }

    [Benchmark]
    public int ParseAndRewrite()
    {
        if (!ChatRequestParser.TryParse(_body, out var info, out _))
        {
            return -1;
        }

        _output.Clear();
        ChatRequestRewriter.Rewrite(_body, info, "gpt-4o-mini-2024-07-18", _output);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int ParseEmbeddings_Texts() => EmbeddingsRequestParser.TryParse(_texts, out var info, out _) ? info.ModelTokenLength : -1;

    [Benchmark]
    public int ParseEmbeddings_TokenIds() => EmbeddingsRequestParser.TryParse(_tokenIds, out var info, out _) ? info.ModelTokenLength : -1;

    public int BodyBytes => _body.Length;
}
