using System.Buffers;

namespace MassRouter.Simulator.Generation;

/// <summary>
/// Where <see cref="AnswerStreamer"/> writes an answer: the buffer its encoder writes to, when each content chunk is due
/// and what a flush does. A client's connection (<see cref="Exchange.SimulatedStream"/>) or a response generated in the
/// background, which keeps its events for whoever reads them.
/// </summary>
internal interface IAnswerStream
{
    IBufferWriter<byte> Writer { get; }

    /// <summary>Waits until content chunk <paramref name="chunk"/> (0 = first, which also carries the preamble) is due.</summary>
    ValueTask WaitForChunkAsync(int chunk);

    /// <summary>Flushes what was written after <paramref name="written"/> content chunks; false when the answer must end here.</summary>
    ValueTask<bool> FlushChunkAsync(int written);

    /// <summary>Flushes the closing events, which no fault interrupts.</summary>
    ValueTask<bool> FlushAsync();
}
