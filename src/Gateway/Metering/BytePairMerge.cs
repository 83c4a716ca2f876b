using System.Buffers;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// tiktoken's byte-pair merge, counting only: repeatedly merge the adjacent pair whose joined bytes have the lowest
/// rank (leftmost on ties) until no adjacent pair is a token; the parts left are the tokens.
/// </summary>
internal static class BytePairMerge
{
    /// <summary>Up to this many bytes a linear scan for the lowest rank beats a heap (tiktoken and Microsoft use ~100-128).</summary>
    private const int LinearLimit = 128;

    private const int None = int.MaxValue;

    /// <summary>The number of tokens of one piece (at least two bytes, not itself a token).</summary>
    public static int Count(O200kVocabulary vocabulary, ReadOnlySpan<byte> piece) =>
        piece.Length <= LinearLimit ? CountLinear(vocabulary, piece) : CountWithHeap(vocabulary, piece);

    private static int CountLinear(O200kVocabulary vocabulary, ReadOnlySpan<byte> piece)
    {
        // starts[i] is where part i begins (starts[parts] = the end); ranks[i] is the rank of part i joined with part i + 1
        // (None from parts - 1 on).
        Span<int> starts = stackalloc int[piece.Length + 1];
        Span<int> ranks = stackalloc int[piece.Length + 1];
        var parts = piece.Length;
        for (var i = 0; i <= parts; i++)
        {
            starts[i] = i;
            ranks[i] = None;
        }

        for (var i = 0; i < parts - 1; i++)
        {
            ranks[i] = RankOrNone(vocabulary, piece.Slice(i, 2));
        }

        while (parts > 1)
        {
            var best = -1;
            var bestRank = None;
            for (var i = 0; i < parts - 1; i++)
            {
                if (ranks[i] < bestRank)
                {
                    bestRank = ranks[i];
                    best = i;
                }
            }

            if (best < 0)
            {
                break;
            }

            // Part best + 1 joins part best: drop its start, and re-rank the joins that now span the merged part.
            starts[(best + 2)..(parts + 1)].CopyTo(starts[(best + 1)..]);
            ranks[(best + 2)..(parts + 1)].CopyTo(ranks[(best + 1)..]);
            parts--;
            ranks[best] = best + 1 < parts ? RankOrNone(vocabulary, piece[starts[best]..starts[best + 2]]) : None;
            if (best > 0)
            {
                ranks[best - 1] = RankOrNone(vocabulary, piece[starts[best - 1]..starts[best + 1]]);
            }
        }

        return parts;
    }

    /// <summary>
    /// The same merge order for long pieces in O(n log n): parts form a linked list by start, candidate joins sit in a
    /// min-heap keyed (rank, start) — the linear scan's order — and entries made stale by a merge are skipped.
    /// </summary>
    private static int CountWithHeap(O200kVocabulary vocabulary, ReadOnlySpan<byte> piece)
    {
        var n = piece.Length;
        var next = ArrayPool<int>.Shared.Rent(n);
        var previous = ArrayPool<int>.Shared.Rent(n);
        var joinRank = ArrayPool<int>.Shared.Rent(n);
        var heap = ArrayPool<long>.Shared.Rent(3 * n);
        try
        {
            var heapCount = 0;
            for (var i = 0; i < n; i++)
            {
                next[i] = i + 1;
                previous[i] = i - 1;
                joinRank[i] = i + 1 < n ? RankOrNone(vocabulary, piece.Slice(i, 2)) : None;
                if (joinRank[i] != None)
                {
                    Push(heap, ref heapCount, joinRank[i], i);
                }
            }

            var parts = n;
            while (heapCount > 0)
            {
                var top = Pop(heap, ref heapCount);
                var rank = (int)(top >> 32);
                var start = (int)top;
                if (joinRank[start] != rank)
                {
                    continue;
                }

                var joined = next[start];
                var after = next[joined];
                next[start] = after;
                if (after < n)
                {
                    previous[after] = start;
                }

                joinRank[joined] = -1;
                parts--;

                joinRank[start] = Rejoin(vocabulary, piece, next, start);
                if (joinRank[start] != None)
                {
                    Push(heap, ref heapCount, joinRank[start], start);
                }

                var before = previous[start];
                if (before >= 0)
                {
                    joinRank[before] = Rejoin(vocabulary, piece, next, before);
                    if (joinRank[before] != None)
                    {
                        Push(heap, ref heapCount, joinRank[before], before);
                    }
                }
            }

            return parts;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(next);
            ArrayPool<int>.Shared.Return(previous);
            ArrayPool<int>.Shared.Return(joinRank);
            ArrayPool<long>.Shared.Return(heap);
        }
    }

    /// <summary>The rank of the part at <paramref name="start"/> joined with the part after it.</summary>
    private static int Rejoin(O200kVocabulary vocabulary, ReadOnlySpan<byte> piece, int[] next, int start)
    {
        var following = next[start];
        return following >= piece.Length ? None : RankOrNone(vocabulary, piece[start..next[following]]);
    }

    private static int RankOrNone(O200kVocabulary vocabulary, ReadOnlySpan<byte> bytes)
    {
        var rank = vocabulary.RankOf(bytes);
        return rank < 0 ? None : rank;
    }

    private static void Push(long[] heap, ref int count, int rank, int start)
    {
        var item = ((long)rank << 32) | (uint)start;
        var i = count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (heap[parent] <= item)
            {
                break;
            }

            heap[i] = heap[parent];
            i = parent;
        }

        heap[i] = item;
    }

    private static long Pop(long[] heap, ref int count)
    {
        var top = heap[0];
        var last = heap[--count];
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= count)
            {
                break;
            }

            if (child + 1 < count && heap[child + 1] < heap[child])
            {
                child++;
            }

            if (last <= heap[child])
            {
                break;
            }

            heap[i] = heap[child];
            i = child;
        }

        if (count > 0)
        {
            heap[i] = last;
        }

        return top;
    }
}
