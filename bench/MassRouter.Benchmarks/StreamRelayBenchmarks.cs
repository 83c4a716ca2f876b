using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using MassRouter.Gateway.Transforms.Compatible;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Sse;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Benchmarks;

/// <summary>The per-event work of the passthrough relay: frame one SSE event and inspect its chunk.</summary>
[MemoryDiagnoser]
public class StreamRelayBenchmarks
{
    private readonly SseReader _reader = new();
    private readonly ArrayBufferWriter<byte> _output = new(256 * 1024);
    private byte[] _contentEvent = [];
    private byte[] _wholeStream = [];

    [GlobalSetup]
    public void Setup()
    {
        _contentEvent = Encoding.UTF8.GetBytes(
            "data: {\"id\":\"chatcmpl-ABfw3Oqj8RD0z6aJiiX37oTjV2HFh\",\"object\":\"chat.completion.chunk\",\"created\":1727346171,\"model\":\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_7568d46099\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" world\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n");
        var sb = new StringBuilder();
        for (var i = 0; i < 300; i++)
        {
            sb.Append(Encoding.UTF8.GetString(_contentEvent));
        }

        sb.Append("data: [DONE]\n\n");
        _wholeStream = Encoding.UTF8.GetBytes(sb.ToString());
    }

    [Benchmark]
    public bool OneContentEvent()
    {
        var usage = default(TokenUsage);
        _reader.TryRead(_contentEvent, false, out var e, out _);
        return (ChunkInspector.Inspect(e.Data, ref usage) & ChunkFacts.HasOutput) != 0;
    }

    [Benchmark]
    public int WholeStream300Events()
    {
        var usage = default(TokenUsage);
        var span = _wholeStream.AsSpan();
        var outputs = 0;
        while (_reader.TryRead(span, true, out var e, out var consumed))
        {
            if (e.HasData && !e.IsDone && (ChunkInspector.Inspect(e.Data, ref usage) & ChunkFacts.HasOutput) != 0)
            {
                outputs++;
            }

            span = span[consumed..];
            if (span.IsEmpty)
            {
                break;
            }
        }

        return outputs;
    }

    /// <summary>
    /// The relay's whole per-event work on a stream the gateway asked usage for (the client did not): inspect, normalise
    /// (which cuts each chunk's <c>"usage":null</c>), write to the client.
    /// </summary>
    [Benchmark]
    public int RelayWholeStream300Events() => Relay(includeUsage: false);

    /// <summary>The same when the client asked for usage: every event is relayed as it came (the baseline of the cut).</summary>
    [Benchmark]
    public int RelayWholeStream300EventsClientAskedForUsage() => Relay(includeUsage: true);

    private int Relay(bool includeUsage)
    {
        var usage = default(TokenUsage);
        var normaliser = new OpenAICompatibleNormaliser(includeUsage);
        _output.ResetWrittenCount();
        var span = _wholeStream.AsSpan();
        while (_reader.TryRead(span, true, out var e, out var consumed))
        {
            var facts = ChunkFacts.None;
            Range nullUsage = default;
            if (e.HasData && !e.IsDone)
            {
                facts = ChunkInspector.Inspect(e.Data, ref usage, out nullUsage);
            }

            if (!normaliser.TryNormalise(e, facts, nullUsage, _output, ref usage))
            {
                _output.Write(e.Raw);
            }

            span = span[consumed..];
            if (span.IsEmpty)
            {
                break;
            }
        }

        return _output.WrittenCount;
    }
}
