using System.Text;
using BenchmarkDotNet.Attributes;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Responses;

namespace MassRouter.Benchmarks;

/// <summary>
/// Responses ingress: a whole 64-delta chat stream to Responses events (per delta: the stream's cost over its 64 deltas,
/// its start and end events included), and a typical 2 KB Responses request to a chat request.
/// </summary>
[MemoryDiagnoser]
public class ResponsesIngressBenchmarks
{
    private const int Deltas = 64;

    private static readonly byte[] _delta =
        """{"id":"chatcmpl-BZ8bLZ8m2E2Lqk9bYkxX1D9rUdjAC","object":"chat.completion.chunk","created":1747910000,"model":"gpt-4.1-nano","choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}]}"""u8.ToArray();

    private static readonly byte[] _finish =
        """{"id":"chatcmpl-BZ8bLZ8m2E2Lqk9bYkxX1D9rUdjAC","object":"chat.completion.chunk","created":1747910000,"model":"gpt-4.1-nano","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}"""u8.ToArray();

    private static readonly byte[] _usage =
        """{"id":"chatcmpl-BZ8bLZ8m2E2Lqk9bYkxX1D9rUdjAC","object":"chat.completion.chunk","created":1747910000,"model":"gpt-4.1-nano","choices":[],"usage":{"prompt_tokens":120,"completion_tokens":64,"total_tokens":184}}"""u8.ToArray();

    private readonly PooledBufferWriter _output = new(64 * 1024);
    private readonly PooledBufferWriter _chat = new(16 * 1024);
    private byte[] _request = [];
    private byte[] _echo = [];

    [GlobalSetup]
    public void Setup()
    {
        var history = string.Join(",", Enumerable.Range(0, 8).Select(i =>
            $$"""{"role":"{{(i % 2 == 0 ? "user" : "assistant")}}","content":[{"type":"{{(i % 2 == 0 ? "input_text" : "output_text")}}","text":"Message {{i}}: {{new string('x', 160)}} with some \"quoted\" text and unicode é."}]}"""));
        _request = Encoding.UTF8.GetBytes(
            """{"model":"gpt-4.1-nano","instructions":"You are a helpful assistant.","max_output_tokens":1024,"stream":true,"store":false,"input":[""" + history
            + """],"tools":[{"type":"function","name":"get_weather","description":"Get the weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],"tool_choice":"auto"}""");
        ResponsesRequestTranslator.TryTranslate(_request, _chat, out var info, out _);
        _echo = info.Echo;
    }

    [Benchmark(OperationsPerInvoke = Deltas)]
    public int TranslateStream_PerDelta()
    {
        _output.Clear();
        using var translator = new ResponsesStreamTranslator("resp_0123456789abcdef", "gpt-4.1-nano", _echo, 1747910000);
        for (var i = 0; i < Deltas; i++)
        {
            translator.TranslateChunk(_delta, _output);
        }

        translator.TranslateChunk(_finish, _output);
        translator.TranslateChunk(_usage, _output);
        translator.Complete(_output);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int TranslateRequest()
    {
        _chat.Clear();
        ResponsesRequestTranslator.TryTranslate(_request, _chat, out _, out _);
        return _chat.WrittenCount;
    }
}
