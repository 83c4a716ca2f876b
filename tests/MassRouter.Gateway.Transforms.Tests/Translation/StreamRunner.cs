using System.Buffers;
using System.Text;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Compatible;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Sse;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Tests.Translation;

/// <summary>What to do with each event the reader produces.</summary>
internal delegate void EventSink(in SseEvent sseEvent, PooledBufferWriter output);

/// <summary>Feeds a provider stream through its event reader (<see cref="SseReader"/> unless told) read by read, the way the gateway does.</summary>
internal static class StreamRunner
{
    public static string Run(IChatStreamTranslator translator, byte[] input, IReadOnlyList<int>? readSizes = null, IEventReader? reader = null) =>
        Run(input, readSizes, (in SseEvent e, PooledBufferWriter output) => translator.Translate(e, output), translator.Complete, reader);

    public static string RunNormaliser(byte[] input, IReadOnlyList<int>? readSizes = null)
    {
        var normaliser = new OpenAICompatibleNormaliser(includeUsage: true);
        TokenUsage usage = default;
        return Run(
            input,
            readSizes,
            (in SseEvent e, PooledBufferWriter output) =>
            {
                if (!normaliser.TryNormalise(e, output, ref usage))
                {
                    output.Write(e.Raw);
                }
            },
            null);
    }

    private static string Run(byte[] input, IReadOnlyList<int>? readSizes, EventSink sink, Action<PooledBufferWriter>? complete, IEventReader? eventReader = null)
    {
        using var output = new PooledBufferWriter(4096);
        using var reader = eventReader ?? new SseReader();
        var pending = new List<byte>();
        var offset = 0;
        var read = 0;
        while (offset < input.Length)
        {
            var size = readSizes is null || readSizes.Count == 0 ? input.Length : Math.Max(1, readSizes[read++ % readSizes.Count]);
            size = Math.Min(size, input.Length - offset);
            pending.AddRange(input.AsSpan(offset, size));
            offset += size;
            Drain(reader, sink, pending, final: false, output);
        }

        Drain(reader, sink, pending, final: true, output);
        complete?.Invoke(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static void Drain(IEventReader reader, EventSink sink, List<byte> pending, bool final, PooledBufferWriter output)
    {
        var buffer = pending.ToArray();
        var start = 0;
        while (start < buffer.Length && reader.TryRead(buffer.AsSpan(start), final, out var sseEvent, out var consumed))
        {
            start += consumed;
            sink(sseEvent, output);
        }

        pending.RemoveRange(0, start);
    }
}
