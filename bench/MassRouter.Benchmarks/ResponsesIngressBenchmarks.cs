using System.Text;
using BenchmarkDotNet.Attributes;
using MassRouter.Gateway.StoredResponses;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Responses;
using MassRouter.Gateway.Transforms.Sse;

namespace MassRouter.Benchmarks;

/// <summary>
/// Responses ingress: a whole 64-delta chat stream to Responses events (per delta: the stream's cost over its 64 deltas,
/// its start and end events included), and a typical 2 KB Responses request to a chat request; for a provider serving the
/// Responses API itself, the same stream relayed as it came (framing, usage of its completed event) and the request's
/// model replaced; and the id read off a native stream's <c>response.created</c> (a coding agent's: 16 KB of instructions
/// and its tools echoed) for the stored-response index.
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
    private byte[] _nativeStream = [];
    private byte[] _createdEvent = [];

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

        var native = new StringBuilder();
        native.Append("event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"in_progress\",\"output\":[],\"usage\":null}}\n\n");
        for (var i = 0; i < Deltas; i++)
        {
            native.Append("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"sequence_number\":").Append(i + 1)
                .Append(",\"item_id\":\"msg_0123456789abcdef\",\"output_index\":0,\"content_index\":0,\"delta\":\" token\",\"logprobs\":[]}\n\n");
        }

        native.Append("event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":").Append(Deltas + 1)
            .Append(",\"response\":{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"completed\",\"output\":[],\"usage\":{\"input_tokens\":120,\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":64,\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":184}}}\n\n");
        _nativeStream = Encoding.UTF8.GetBytes(native.ToString());

        var tools = string.Join(",", Enumerable.Range(0, 8).Select(i =>
            $$$"""{"type":"function","name":"tool_{{{i}}}","description":"{{{new string('d', 200)}}}","parameters":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]},"strict":false}"""));
        _createdEvent = Encoding.UTF8.GetBytes(
            $$$"""{"type":"response.created","sequence_number":0,"response":{"id":"resp_0123456789abcdef0123456789abcdef","object":"response","created_at":1747910000,"status":"in_progress","background":false,"error":null,"incomplete_details":null,"instructions":"{{{new string('i', 16 * 1024)}}}","max_output_tokens":null,"model":"gpt-5-codex","output":[],"parallel_tool_calls":false,"previous_response_id":null,"reasoning":{"effort":"high","summary":"auto"},"store":true,"temperature":1.0,"text":{"format":{"type":"text"}},"tool_choice":"auto","tools":[{{{tools}}}],"top_p":1.0,"truncation":"disabled","usage":null,"user":null,"metadata":{}""" + "}}");
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

    [Benchmark(OperationsPerInvoke = Deltas)]
    public int PassthroughStream_PerDelta()
    {
        _output.Clear();
        using var translator = ResponsesPassthroughCodec.Instance.CreateStreamTranslator(default);
        using var reader = new SseReader();
        var input = _nativeStream.AsSpan();
        var output = 0;
        while (reader.TryRead(input, isFinalBlock: true, out var sseEvent, out var consumed))
        {
            input = input[consumed..];
            output += translator.Translate(sseEvent, _output) ? 1 : 0;
        }

        translator.Complete(_output);
        return output + (int)translator.Usage.CompletionTokens;
    }

    [Benchmark]
    public int PassthroughRequest()
    {
        _chat.Clear();
        ResponsesPassthroughCodec.Instance.TryWriteRequest(_request, default, "gpt-5-codex", _chat, out _);
        return _chat.WrittenCount;
    }

    [Benchmark]
    public int StoredIdOfACreatedEvent() => StoredResponseIndex.StoredId(_createdEvent, inEvent: true)!.Length;
}
