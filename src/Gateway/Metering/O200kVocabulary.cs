using System.Buffers;
using System.Buffers.Text;
using System.IO.Compression;
using System.Numerics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// The o200k_base ranks (token bytes → rank) in three flat arrays: every token's bytes back to back in rank order, the
/// offsets where each rank starts, and an open-addressing table of rank + 1. About 4 MiB, against ~40 MiB of managed
/// heap for a dictionary with one byte[] and one string per token; a counter never decodes, so nothing else is kept.
/// </summary>
internal sealed class O200kVocabulary
{
    /// <summary>Microsoft's offline data package: the tiktoken file, deflated, as an embedded resource.</summary>
    internal const string DataAssemblyName = "Microsoft.ML.Tokenizers.Data.O200kBase";
    internal const string ResourceName = "o200k_base.tiktoken.deflate";

    private const ulong Golden = 0x9E3779B97F4A7C15;

    private readonly byte[] _bytes;
    private readonly int[] _offsets;
    private readonly int[] _slots;
    private readonly int _mask;
    private readonly int _shift;

    private O200kVocabulary(byte[] bytes, int[] offsets)
    {
        _bytes = bytes;
        _offsets = offsets;
        var count = offsets.Length - 1;

        // At most half full, so a miss (most lookups during merging are misses) ends after a probe or two.
        var capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, count * 2));
        _slots = new int[capacity];
        _mask = capacity - 1;
        _shift = 64 - BitOperations.Log2((uint)capacity);
        for (var rank = 0; rank < count; rank++)
        {
            var token = Token(rank);
            var slot = SlotOf(token);
            while (_slots[slot] != 0)
            {
                if (token.SequenceEqual(Token(_slots[slot] - 1)))
                {
                    throw new InvalidDataException($"Token {rank} repeats token {_slots[slot] - 1} in {ResourceName}.");
                }

                slot = (slot + 1) & _mask;
            }

            _slots[slot] = rank + 1;
        }
    }

    /// <summary>Number of mergeable tokens (ranks 0 to Count - 1).</summary>
    public int Count => _offsets.Length - 1;

    /// <summary>Bytes held by the three arrays.</summary>
    public long SizeInBytes => _bytes.Length + (4L * _offsets.Length) + (4L * _slots.Length);

    /// <summary>Loads the ranks from the offline data package's embedded resource.</summary>
    public static O200kVocabulary Load()
    {
        var assembly = Assembly.Load(new AssemblyName(DataAssemblyName));
        return Load(() => assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{DataAssemblyName} has no resource {ResourceName}."));
    }

    /// <summary>
    /// Parses a deflated tiktoken file (an optional "Capacity: N" line, then one base64 token per line in rank order,
    /// optionally followed by a space and its rank). Two streaming passes, counting then filling, so the arrays are
    /// allocated once at their exact size and nothing but a 64 KiB buffer is thrown away.
    /// </summary>
    internal static O200kVocabulary Load(Func<Stream> openDeflated)
    {
        var count = 0;
        var totalBytes = 0;
        ForEachToken(openDeflated, (token, rank) =>
        {
            count = rank + 1;
            totalBytes += Base64.GetMaxDecodedFromUtf8Length(token.Length) - Padding(token);
        });

        var bytes = new byte[totalBytes];
        var offsets = new int[count + 1];
        var written = 0;
        ForEachToken(openDeflated, (token, rank) =>
        {
            if (Base64.DecodeFromUtf8(token, bytes.AsSpan(written), out _, out var length) != OperationStatus.Done)
            {
                throw new InvalidDataException($"Token {rank} of {ResourceName} is not base64.");
            }

            written += length;
            offsets[rank + 1] = written;
        });

        return new O200kVocabulary(bytes, offsets);
    }

    /// <summary>The rank of a token, or -1 when these bytes are not one token.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int RankOf(ReadOnlySpan<byte> token)
    {
        var slots = _slots;
        var slot = SlotOf(token);
        while (true)
        {
            var entry = slots[slot];
            if (entry == 0)
            {
                return -1;
            }

            var start = _offsets[entry - 1];
            var end = _offsets[entry];
            if (end - start == token.Length && token.SequenceEqual(new ReadOnlySpan<byte>(_bytes, start, end - start)))
            {
                return entry - 1;
            }

            slot = (slot + 1) & _mask;
        }
    }

    /// <summary>The bytes of a rank.</summary>
    public ReadOnlySpan<byte> Token(int rank) => _bytes.AsSpan(_offsets[rank], _offsets[rank + 1] - _offsets[rank]);

    /// <summary>
    /// Multiplicative (Fibonacci) hashing of the bytes read as 64-bit words, length mixed in; the top bits index the
    /// table. Tokens are short (most under 8 bytes), where this is a couple of multiplications.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SlotOf(ReadOnlySpan<byte> key)
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
        return (int)(h >> _shift);
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
