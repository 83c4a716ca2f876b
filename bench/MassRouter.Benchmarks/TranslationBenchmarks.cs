using System.Text;
using BenchmarkDotNet.Attributes;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Compatible;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Sse;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Benchmarks;

/// <summary>
/// Provider translation on the hot path: one content delta into an OpenAI chunk (target: well under 1 µs and no heap
/// allocation), a whole recorded stream, and the OpenAI → provider request rewrite.
/// </summary>
[MemoryDiagnoser]
public class TranslationBenchmarks
{
    private static readonly Dictionary<string, (string Start, string Delta, string Recording)> Cases = new()
    {
        [ProviderKinds.Anthropic] = (
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\n"
                + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" world\"}}\n\n",
            "anthropic/anthropic-stream-thinking-raw.sse"),
        [ProviderKinds.Gemini] = (
            "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \"Hello\"}],\"role\": \"model\"},\"index\": 0}],\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"ru1garvBEoOiqtsP2fznmQw\"}\r\n\r\n",
            "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": \" world\"}],\"role\": \"model\"},\"index\": 0}],\"usageMetadata\": {\"promptTokenCount\": 18,\"candidatesTokenCount\": 31,\"totalTokenCount\": 84,\"thoughtsTokenCount\": 35},\"modelVersion\": \"gemini-2.5-flash\",\"responseId\": \"ru1garvBEoOiqtsP2fznmQw\"}\r\n\r\n",
            "google/gemini-stream-thinking-raw.sse"),
        [ProviderKinds.Cohere] = (
            "event: message-start\ndata: {\"id\":\"35c028fc-0223-47b6-8fae-ebd3255e9a63\",\"type\":\"message-start\",\"delta\":{\"message\":{\"role\":\"assistant\"}}}\n\n",
            "event: content-delta\ndata: {\"type\":\"content-delta\",\"index\":0,\"delta\":{\"message\":{\"content\":{\"text\":\" world\"}}}}\n\n",
            "cohere/cohere-v2-stream-text-raw.sse"),

        // Binary AWS event stream: the start (messageStart) and the delta (the first contentBlockDelta) are the
        // recording's own first two messages.
        [ProviderKinds.Bedrock] = ("", "", "bedrock/bedrock-converse-stream-nova.eventstream.bin"),
    };

    private const string WeatherRequest =
        """{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"What's the weather in Paris?"}],"tool_choice":"auto","tools":[{"type":"function","function":{"name":"get_weather","description":"Get the current weather for a city.","parameters":{"additionalProperties":false,"properties":{"city":{"type":"string"}},"required":["city"],"type":"object"}}}],"max_tokens":1024,"temperature":0.2}""";

    private readonly PooledBufferWriter _output = new(64 * 1024);
    private readonly SseReader _sseReader = new();
    private IEventReader _reader = null!;
    private IChatCodec _codec = null!;
    private IChatStreamTranslator _translator = null!;
    private byte[] _delta = [];
    private byte[] _recording = [];
    private byte[] _request = [];
    private ChatRequestInfo _requestInfo;
    private byte[] _openAIDelta = [];
    private OpenAICompatibleNormaliser _normaliser = null!;

    [Params(ProviderKinds.Anthropic, ProviderKinds.Gemini, ProviderKinds.Cohere, ProviderKinds.Bedrock)]
    public string Provider { get; set; } = ProviderKinds.Anthropic;

    [GlobalSetup]
    public void Setup()
    {
        var (start, delta, recording) = Cases[Provider];
        _codec = ChatCodecs.ForKind(Provider)!;
        _reader = _codec.CreateEventReader();
        _translator = _codec.CreateStreamTranslator(new TranslationContext("model", 1700000000, IncludeUsage: true));
        _recording = File.ReadAllBytes(Path.Combine(FixturesRoot(), recording));
        if (start.Length == 0)
        {
            // A binary stream: the first message opens it, the second is a content delta.
            var first = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(_recording);
            var second = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(_recording.AsSpan(first));
            Feed(_translator, _recording[..first]);
            _delta = _recording[first..(first + second)];
        }
        else
        {
            Feed(_translator, Encoding.UTF8.GetBytes(start));
            _delta = Encoding.UTF8.GetBytes(delta);
        }

        _request = Encoding.UTF8.GetBytes(WeatherRequest);
        if (!ChatRequestParser.TryParse(_request, out _requestInfo, out var error))
        {
            throw new InvalidOperationException(error.Message);
        }
        _openAIDelta = Encoding.UTF8.GetBytes(
            "data: {\"id\":\"chatcmpl-ABfw3Oqj8RD0z6aJiiX37oTjV2HFh\",\"object\":\"chat.completion.chunk\",\"created\":1727346171,\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_7568d46099\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" world\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n");
        _normaliser = new OpenAICompatibleNormaliser(includeUsage: true);
    }

    /// <summary>Frame one provider event (SSE, or Bedrock's binary message) and translate it into one OpenAI chunk event.</summary>
    [Benchmark]
    public int OneContentDelta()
    {
        _output.Clear();
        _reader.TryRead(_delta, false, out var e, out _);
        _translator.Translate(e, _output);
        return _output.WrittenCount;
    }

    /// <summary>A whole recorded stream, from the first provider byte to <c>[DONE]</c>.</summary>
    [Benchmark]
    public int WholeRecordedStream()
    {
        _output.Clear();
        using var translator = _codec.CreateStreamTranslator(new TranslationContext("model", 1700000000, IncludeUsage: true));
        var span = _recording.AsSpan();
        while (!span.IsEmpty && _reader.TryRead(span, true, out var e, out var consumed))
        {
            translator.Translate(e, _output);
            span = span[consumed..];
        }

        translator.Complete(_output);
        return _output.WrittenCount;
    }

    /// <summary>The OpenAI request (system, user, one tool) rewritten into the provider's format.</summary>
    [Benchmark]
    public int RequestRewrite()
    {
        _output.Clear();
        _codec.TryWriteRequest(_request, _requestInfo, "upstream-model", _output, out _);
        return _output.WrittenCount;
    }

    /// <summary>What passthrough pays per OpenAI event for quirk normalisation (nothing to change in this chunk).</summary>
    [Benchmark]
    public bool PassthroughQuirkCheck()
    {
        _output.Clear();
        var usage = default(TokenUsage);
        _sseReader.TryRead(_openAIDelta, false, out var e, out _);
        return _normaliser.TryNormalise(e, _output, ref usage);
    }

    private void Feed(IChatStreamTranslator translator, byte[] events)
    {
        var span = events.AsSpan();
        while (!span.IsEmpty && _reader.TryRead(span, true, out var e, out var consumed))
        {
            translator.Translate(e, _output);
            span = span[consumed..];
        }
    }

    private static string FixturesRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures", "providers");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/fixtures/providers not found above " + AppContext.BaseDirectory);
    }
}
