using System.Buffers;
using MassRouter.Gateway.Transforms.Compatible;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Sse;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Tests.OpenAI;

/// <summary>One event of an OpenAI-compatible stream relayed as the gateway does it (a linked file shared by the test projects).</summary>
internal static class PassthroughEvent
{
    /// <summary>Reads the chunk with <see cref="ChunkInspector"/>, then normalises it, or writes it as it came.</summary>
    public static void Relay(OpenAICompatibleNormaliser normaliser, in SseEvent sseEvent, IBufferWriter<byte> output, ref TokenUsage usage)
    {
        var facts = ChunkFacts.None;
        Range nullUsage = default;
        if (sseEvent.HasData && !sseEvent.IsDone)
        {
            var inspected = default(TokenUsage);
            facts = ChunkInspector.Inspect(sseEvent.Data, ref inspected, out nullUsage);
        }

        if (!normaliser.TryNormalise(sseEvent, facts, nullUsage, output, ref usage))
        {
            output.Write(sseEvent.Raw);
        }
    }
}
