using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.IO.Compression;
using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// The o200k_base ranks (token bytes → rank) in one flat block: a header, the offsets where each rank's bytes start, an
/// open-addressing table of rank + 1, and every token's bytes back to back in rank order. About 4.1 MiB, against ~40 MiB
/// of managed heap for a dictionary with one byte[] and one string per token; a counter never decodes, so nothing else
/// is kept. The block is either a pinned array (<see cref="Load()"/>) or a read-only mapping of a file holding the same
/// bytes (<see cref="O200kVocabularyFile"/>): then it costs no heap, pages are read in only when a lookup touches them,
/// and every gateway process on the machine shares them.
/// </summary>
/// <remarks>
/// Every read goes through a bounds-checked span, so a damaged file gives wrong counts or an exception, never a read
/// outside the block; a probe stops after visiting every slot even in a table without a free one.
/// </remarks>
internal sealed unsafe class O200kVocabulary
{
    /// <summary>Microsoft's offline data package: the tiktoken file, deflated, as an embedded resource.</summary>
    internal const string DataAssemblyName = "Microsoft.ML.Tokenizers.Data.O200kBase";
    internal const string ResourceName = "o200k_base.tiktoken.deflate";

    /// <summary>Bytes before the offsets: magic, format, sizes, the source's identity.</summary>
    internal const int HeaderBytes = 64;

    private const int FormatVersion = 1;
    private const ulong Golden = 0x9E3779B97F4A7C15;

    private readonly object _owner;
    private readonly byte* _bytes;
    private readonly int _bytesLength;
    private readonly int* _offsets;
    private readonly int _count;
    private readonly int* _slots;
    private readonly int _mask;
    private readonly int _shift;

    /// <summary>Takes a block whose header <see cref="ReadHeader"/> accepted; <paramref name="owner"/> keeps its memory alive.</summary>
    private O200kVocabulary(byte* block, in Header header, object owner, bool mapped)
    {
        _owner = owner;
        IsMapped = mapped;
        _count = header.Count;
        _bytesLength = header.BytesLength;
        _offsets = (int*)(block + HeaderBytes);
        _slots = (int*)(block + header.SlotsAt);
        _bytes = block + header.BytesAt;
        _mask = header.SlotCount - 1;
        _shift = 64 - BitOperations.Log2((uint)header.SlotCount);
        SizeInBytes = header.BlockLength;
        Source = header.Source;
    }

    /// <summary>Number of mergeable tokens (ranks 0 to Count - 1).</summary>
    public int Count => _count;

    /// <summary>Bytes of the block (header, offsets, table, token bytes).</summary>
    public long SizeInBytes { get; }

    /// <summary>True when the block is a file mapping rather than a pinned array on the managed heap.</summary>
    public bool IsMapped { get; }

    /// <summary>The data package build the block was made from (its module version id).</summary>
    public Guid Source { get; }

    private ReadOnlySpan<int> Offsets => new(_offsets, _count + 1);

    /// <summary>The data package's module version id: a cached vocabulary made from another build is stale.</summary>
    public static Guid DataPackageVersion() => DataAssembly().ManifestModule.ModuleVersionId;

    /// <summary>Loads the ranks from the offline data package's embedded resource into a pinned array.</summary>
    public static O200kVocabulary Load() => FromBlock(Build(OpenDataPackage, DataPackageVersion()));

    /// <summary>Loads the ranks from a deflated tiktoken file into a pinned array.</summary>
    internal static O200kVocabulary Load(Func<Stream> openDeflated) => FromBlock(Build(openDeflated, Guid.Empty));

    /// <summary>Opens the data package's deflated tiktoken file.</summary>
    internal static Stream OpenDataPackage() =>
        DataAssembly().GetManifestResourceStream(ResourceName)
        ?? throw new InvalidOperationException($"{DataAssemblyName} has no resource {ResourceName}.");

    /// <summary>A vocabulary over a block <see cref="Build"/> made (a pinned array, so its address never changes).</summary>
    internal static O200kVocabulary FromBlock(byte[] block)
    {
        var header = ReadHeader(block, block.Length, expectedSource: null);
        header.CheckOffsets(MemoryMarshal.Read<int>(block.AsSpan(HeaderBytes)), MemoryMarshal.Read<int>(block.AsSpan(HeaderBytes + (4 * header.Count))));
        return new O200kVocabulary((byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(block)), header, block, mapped: false);
    }

    /// <summary>
    /// A vocabulary over a read-only mapping of a block (kept alive by <paramref name="owner"/>) whose header and offsets
    /// were checked in the file: nothing here touches the mapping, so none of it is resident until a lookup.
    /// </summary>
    internal static O200kVocabulary FromMapping(byte* block, in Header header, object owner) => new(block, header, owner, mapped: true);

    /// <summary>
    /// Parses a deflated tiktoken file (an optional "Capacity: N" line, then one base64 token per line in rank order,
    /// optionally followed by a space and its rank) into a vocabulary block in a pinned array. Two streaming passes,
    /// counting then filling, so the block is allocated once at its exact size and nothing but a 64 KiB buffer is
    /// thrown away.
    /// </summary>
    internal static byte[] Build(Func<Stream> openDeflated, Guid source)
    {
        var count = 0;
        var totalBytes = 0;
        ForEachToken(openDeflated, (token, rank) =>
        {
            count = rank + 1;
            totalBytes += Base64.GetMaxDecodedFromUtf8Length(token.Length) - Padding(token);
        });

        // At most half full, so a miss (most lookups during merging are misses) ends after a probe or two.
        var slotCount = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, count * 2));
        var header = Header.For(count, slotCount, totalBytes, source);
        var block = GC.AllocateArray<byte>(checked((int)header.BlockLength), pinned: true);
        var written = 0;
        ForEachToken(openDeflated, (token, rank) =>
        {
            if (rank >= count || Base64.DecodeFromUtf8(token, block.AsSpan(header.BytesAt + written, totalBytes - written), out _, out var length) != OperationStatus.Done)
            {
                throw new InvalidDataException($"Token {rank} of {ResourceName} is not base64, or changed between two reads.");
            }

            written += length;
            MemoryMarshal.Write(block.AsSpan(HeaderBytes + (4 * (rank + 1))), in written);
        });

        var offsets = MemoryMarshal.Cast<byte, int>(block.AsSpan(HeaderBytes, 4 * (count + 1)));
        var bytes = block.AsSpan(header.BytesAt, totalBytes);
        var slots = MemoryMarshal.Cast<byte, int>(block.AsSpan(header.SlotsAt, 4 * slotCount));
        var shift = 64 - BitOperations.Log2((uint)slotCount);
        for (var rank = 0; rank < count; rank++)
        {
            var token = bytes[offsets[rank]..offsets[rank + 1]];
            var slot = SlotOf(token, shift);
            while (slots[slot] != 0)
            {
                var other = slots[slot] - 1;
                if (token.SequenceEqual(bytes[offsets[other]..offsets[other + 1]]))
                {
                    throw new InvalidDataException($"Token {rank} repeats token {other} in {ResourceName}.");
                }

                slot = (slot + 1) & (slotCount - 1);
            }

            slots[slot] = rank + 1;
        }

        header.Write(block);
        return block;
    }

    /// <summary>The rank of a token, or -1 when these bytes are not one token.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int RankOf(ReadOnlySpan<byte> token)
    {
        var slots = new ReadOnlySpan<int>(_slots, _mask + 1);
        var offsets = Offsets;
        var bytes = new ReadOnlySpan<byte>(_bytes, _bytesLength);
        var slot = SlotOf(token, _shift);
        for (var probes = 0; probes <= _mask; probes++)
        {
            var entry = slots[slot];
            if (entry == 0)
            {
                break;
            }

            var start = offsets[entry - 1];
            var length = offsets[entry] - start;
            if (length == token.Length && token.SequenceEqual(bytes.Slice(start, length)))
            {
                GC.KeepAlive(_owner);
                return entry - 1;
            }

            slot = (slot + 1) & _mask;
        }

        GC.KeepAlive(_owner);
        return -1;
    }

    /// <summary>The bytes of a rank (valid for as long as this vocabulary is reachable).</summary>
    public ReadOnlySpan<byte> Token(int rank)
    {
        var offsets = Offsets;
        return new ReadOnlySpan<byte>(_bytes, _bytesLength)[offsets[rank]..offsets[rank + 1]];
    }

    /// <summary>
    /// Multiplicative (Fibonacci) hashing of the bytes read as 64-bit words, length mixed in; the top bits index the
    /// table. Tokens are short (most under 8 bytes), where this is a couple of multiplications.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SlotOf(ReadOnlySpan<byte> key, int shift)
    {
        ref var p = ref MemoryMarshal.GetReference(key);
        var n = key.Length;
        var h = ((ulong)n + 1) * Golden;
        while (n > 8)
        {
            h = (h ^ Unsafe.ReadUnaligned<ulong>(ref p)) * Golden;
            h ^= h >> 32;
            p = ref Unsafe.Add(ref p, 8);
            n -= 8;
        }

        ulong tail;
        if (n >= 4)
        {
            tail = Unsafe.ReadUnaligned<uint>(ref p) | ((ulong)Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref p, n - 4)) << 32);
        }
        else if (n > 0)
        {
            tail = p | ((ulong)Unsafe.Add(ref p, n >> 1) << 8) | ((ulong)Unsafe.Add(ref p, n - 1) << 16);
        }
        else
        {
            tail = 0;
        }

        h = (h ^ tail) * Golden;
        return (int)(h >> shift);
    }

    /// <summary>
    /// Reads and checks a block's header: <see cref="InvalidDataException"/> unless it is this format, its sizes add up
    /// to <paramref name="length"/>, and (when given) it was made from <paramref name="expectedSource"/>.
    /// </summary>
    internal static Header ReadHeader(ReadOnlySpan<byte> block, long length, Guid? expectedSource)
    {
        if (block.Length < HeaderBytes || !block.StartsWith(Header.Magic))
        {
            throw new InvalidDataException("Not an o200k vocabulary block.");
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(block[8..]);
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"Vocabulary block format {version}, expected {FormatVersion}.");
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(block[12..]);
        var slotCount = BinaryPrimitives.ReadInt32LittleEndian(block[16..]);
        var bytesLength = BinaryPrimitives.ReadInt32LittleEndian(block[20..]);
        var source = new Guid(block.Slice(24, 16));
        if (count <= 0 || bytesLength < 0 || slotCount <= count || !BitOperations.IsPow2(slotCount))
        {
            throw new InvalidDataException($"Vocabulary block sizes out of range ({count} tokens, {slotCount} slots, {bytesLength} bytes).");
        }

        var header = Header.For(count, slotCount, bytesLength, source);
        if (header.BlockLength != length || BinaryPrimitives.ReadInt64LittleEndian(block[40..]) != length)
        {
            throw new InvalidDataException($"Vocabulary block of {length} bytes, its header says {header.BlockLength}.");
        }

        if (expectedSource is { } expected && source != expected)
        {
            throw new InvalidDataException($"Vocabulary block made from data package {source}, this one is {expected}.");
        }

        return header;
    }

    private static Assembly DataAssembly() => Assembly.Load(new AssemblyName(DataAssemblyName));

    /// <summary>The block's layout: header, offsets (count + 1), slots (8-aligned), token bytes.</summary>
    internal readonly record struct Header(int Count, int SlotCount, int BytesLength, Guid Source, int SlotsAt, int BytesAt, long BlockLength)
    {
        public static ReadOnlySpan<byte> Magic => "MR-o200k"u8;

        public static Header For(int count, int slotCount, int bytesLength, Guid source)
        {
            var slotsAt = HeaderBytes + (((4L * (count + 1)) + 7) & ~7L);
            var bytesAt = slotsAt + (4L * slotCount);
            var blockLength = bytesAt + bytesLength;
            if (blockLength > int.MaxValue)
            {
                throw new InvalidDataException($"A vocabulary of {count} tokens does not fit a block.");
            }

            return new Header(count, slotCount, bytesLength, source, (int)slotsAt, (int)bytesAt, blockLength);
        }

        /// <summary>The first and last offsets must span the token bytes exactly.</summary>
        public void CheckOffsets(int first, int last)
        {
            if (first != 0 || last != BytesLength)
            {
                throw new InvalidDataException($"The vocabulary's offsets ({first} to {last}) do not span its {BytesLength} token bytes.");
            }
        }

        /// <summary>Where the last offset is, from the start of the block.</summary>
        public long LastOffsetAt => HeaderBytes + (4L * Count);

        public void Write(Span<byte> block)
        {
            Magic.CopyTo(block);
            BinaryPrimitives.WriteInt32LittleEndian(block[8..], FormatVersion);
            BinaryPrimitives.WriteInt32LittleEndian(block[12..], Count);
            BinaryPrimitives.WriteInt32LittleEndian(block[16..], SlotCount);
            BinaryPrimitives.WriteInt32LittleEndian(block[20..], BytesLength);
            Source.TryWriteBytes(block.Slice(24, 16));
            BinaryPrimitives.WriteInt64LittleEndian(block[40..], BlockLength);
        }
    }

    private static int Padding(ReadOnlySpan<byte> base64) =>
        base64.Length == 0 ? 0 : base64[^1] != '=' ? 0 : base64.Length > 1 && base64[^2] == '=' ? 2 : 1;

    private delegate void TokenLine(ReadOnlySpan<byte> base64, int rank);

    private static void ForEachToken(Func<Stream> openDeflated, TokenLine onToken)
    {
        using var deflated = openDeflated();
        using var stream = new DeflateStream(deflated, CompressionMode.Decompress);
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            var rank = 0;
            var first = true;
            var filled = 0;
            var atEnd = false;
            while (!atEnd || filled > 0)
            {
                if (!atEnd)
                {
                    var read = stream.Read(buffer, filled, buffer.Length - filled);
                    atEnd = read == 0;
                    filled += read;
                }

                var data = buffer.AsSpan(0, filled);
                var consumed = 0;
                while (true)
                {
                    var rest = data[consumed..];
                    var newline = rest.IndexOfAny((byte)'\n', (byte)'\r');
                    if (newline < 0 && !atEnd)
                    {
                        break;
                    }

                    var line = newline < 0 ? rest : rest[..newline];
                    consumed += newline < 0 ? rest.Length : newline + 1;
                    if (first && line.StartsWith("Capacity: "u8))
                    {
                        first = false;
                        continue;
                    }

                    first = false;
                    if (line.IsEmpty)
                    {
                        // "\r\n" line ends, and a final line end.
                        if (consumed == data.Length)
                        {
                            break;
                        }

                        continue;
                    }

                    onToken(TokenOf(line, rank), rank);
                    rank++;
                    if (consumed == data.Length)
                    {
                        break;
                    }
                }

                data[consumed..].CopyTo(buffer);
                filled = data.Length - consumed;
                if (filled == buffer.Length)
                {
                    throw new InvalidDataException($"A line of {ResourceName} is longer than {buffer.Length} bytes.");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The base64 part of a line; a rank after it, when present, must be the line's own.</summary>
    private static ReadOnlySpan<byte> TokenOf(ReadOnlySpan<byte> line, int rank)
    {
        var space = line.IndexOf((byte)' ');
        if (space < 0)
        {
            return line;
        }

        if (!Utf8Parser.TryParse(line[(space + 1)..], out int stated, out var digits) || digits != line.Length - space - 1 || stated != rank)
        {
            throw new InvalidDataException($"Line {rank} of {ResourceName} does not give rank {rank}.");
        }

        return line[..space];
    }
}
