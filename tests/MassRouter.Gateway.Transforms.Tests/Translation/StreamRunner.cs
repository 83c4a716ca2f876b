using System.Text;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Sse;

namespace MassRouter.Gateway.Transforms.Tests.Translation;

/// <summary>Feeds a provider stream through <see cref="SseReader"/> and a stream translator the way the gateway does.</summary>
internal static class StreamRunner
{
    public static string Run(IChatStreamTranslator translator, byte[] input, IReadOnlyList<int>? readSizes = null)
    {
        using var output = new PooledBufferWriter(4096);
        using var reader = new SseReader();
        var pending = new List<byte>();
        var offset = 0;
        var read = 0;
        while (offset < input.Length)
        {
            var size = readSizes is null ? input.Length : Math.Max(1, readSizes[read++ % readSizes.Count]);
            size = Math.Min(size, input.Length - offset);
            pending.AddRange(input.AsSpan(offset, size));
            offset += size;
            Drain(reader, translator, pending, final: false, output);
        }

        Drain(reader, translator, pending, final: true, output);
        translator.Complete(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static void Drain(SseReader reader, IChatStreamTranslator translator, List<byte> pending, bool final, PooledBufferWriter output)
    {
        var buffer = pending.ToArray();
        var start = 0;
        while (start < buffer.Length && reader.TryRead(buffer.AsSpan(start), final, out var sseEvent, out var consumed))
        {
            start += consumed;
            translator.Translate(sseEvent, output);
        }

        pending.RemoveRange(0, start);
    }
}
