using System.Text;
using BenchmarkDotNet.Attributes;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Anthropic;

namespace MassRouter.Benchmarks;

/// <summary>Anthropic ingress: one OpenAI content delta to Anthropic events, and a typical 2 KB Messages request to OpenAI.</summary>
[MemoryDiagnoser]
public class AnthropicIngressBenchmarks
{
    private static readonly byte[] _delta =
        """{"id":"chatcmpl-BZ8bLZ8m2E2Lqk9bYkxX1D9rUdjAC","object":"chat.completion.chunk","created":1747910000,"model":"gpt-4.1-nano","choices":[{"index":0,"delta":{"content":" token"},"logprobs":null,"finish_reason":null}]}"""u8.ToArray();

    private readonly PooledBufferWriter _output = new(16 * 1024);
    private AnthropicStreamTranslator _translator = null!;
    private byte[] _request = [];

    [GlobalSetup]
    public void Setup()
    {
        _translator = new AnthropicStreamTranslator("claude-sonnet-4-5");
        _translator.TranslateChunk(_delta, _output);
        var history = string.Join(",", Enumerable.Range(0, 8).Select(i =>
            $$"""{"role":"{{(i % 2 == 0 ? "user" : "assistant")}}","content":[{"type":"text","text":"Message {{i}}: {{new string('x', 160)}} with some \"quoted\" text and unicode é."}]}"""));
        _request = Encoding.UTF8.GetBytes(
            """{"model":"claude-sonnet-4-5","max_tokens":1024,"system":"You are a helpful assistant.","stream":true,"messages":[""" + history
            + """],"tools":[{"name":"get_weather","description":"Get the weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],"tool_choice":{"type":"auto"}}""");
    }

    [Benchmark]
    public int TranslateContentDelta()
    {
        _output.Clear();
        _translator.TranslateChunk(_delta, _output);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int TranslateRequest()
    {
        _output.Clear();
        AnthropicRequestTranslator.TryTranslate(_request, _output, "gpt-4.1-nano", out _, out _);
        return _output.WrittenCount;
    }
}
