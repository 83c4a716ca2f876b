using System.Buffers.Binary;

namespace MassRouter.Gateway.Hashing;

/// <summary>One 64-byte block of a SHA-1 or SHA-2 (32-bit words) compression function.</summary>
internal interface IBlockFunction
{
    /// <summary>Folds <paramref name="block"/> into <paramref name="state"/>; <paramref name="schedule"/> is scratch space.</summary>
    static abstract void Compress(Span<uint> state, Span<uint> schedule, ReadOnlySpan<byte> block);
}

/// <summary>The message padding SHA-1 and SHA-256 share (FIPS 180-4 §5.1.1): the blocks, then 0x80, zeros and the length in bits.</summary>
internal static class MerkleDamgard
{
    public const int BlockSize = 64;

    /// <summary>Runs <typeparamref name="TFunction"/> over <paramref name="source"/> and its padding, then writes <paramref name="state"/> big-endian.</summary>
    public static void Hash<TFunction>(ReadOnlySpan<byte> source, Span<uint> state, Span<uint> schedule, Span<byte> destination)
        where TFunction : IBlockFunction
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, state.Length * 4, nameof(destination));
        var bits = (ulong)source.Length * 8;
        while (source.Length >= BlockSize)
        {
            TFunction.Compress(state, schedule, source[..BlockSize]);
            source = source[BlockSize..];
        }

        // One block, or two when the tail leaves no room for the length.
        Span<byte> last = stackalloc byte[BlockSize * 2];
        last.Clear();
        source.CopyTo(last);
        last[source.Length] = 0x80;
        var padded = source.Length < BlockSize - 8 ? BlockSize : BlockSize * 2;
        BinaryPrimitives.WriteUInt64BigEndian(last[(padded - 8)..], bits);
        for (var offset = 0; offset < padded; offset += BlockSize)
        {
            TFunction.Compress(state, schedule, last.Slice(offset, BlockSize));
        }

        for (var i = 0; i < state.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[(i * 4)..], state[i]);
        }
    }

    /// <summary>The first 16 words of the schedule: the block read big-endian.</summary>
    public static void ReadWords(ReadOnlySpan<byte> block, Span<uint> schedule)
    {
        for (var i = 0; i < 16; i++)
        {
            schedule[i] = BinaryPrimitives.ReadUInt32BigEndian(block[(i * 4)..]);
        }
    }
}
