using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;

namespace MassRouter.Gateway.Memory;

/// <summary>
/// Kestrel's memory pools (every connection's socket and pipe buffers), emptied when the gateway goes idle. Kestrel's own
/// pool gives back 5% of its idle blocks every 10 s, so after a burst of thousands of connections most of the burst's
/// blocks stay resident for many minutes; these pools hand out the same 4 KiB pinned blocks, reuse them the same way,
/// and drop every pooled block when <see cref="IdleHeapTrimmer"/> trims, just before its collection.
/// </summary>
internal sealed class TrimmableMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    private readonly ConcurrentQueue<TrimmableMemoryPool> _pools = new();

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
    {
        var pool = new TrimmableMemoryPool();
        _pools.Enqueue(pool);
        return pool;
    }

    /// <summary>Blocks ever allocated, in every pool (a trim does not change it).</summary>
    public long AllocatedBlocks => _pools.Sum(pool => pool.Allocated);

    /// <summary>Drops every pooled block of every pool (blocks in use are pooled again when returned); the count dropped.</summary>
    public int Trim()
    {
        var dropped = 0;
        foreach (var pool in _pools)
        {
            dropped += pool.Trim();
        }

        return dropped;
    }
}

/// <summary>A pool of 4 KiB blocks in the pinned object heap, reused first in, first out.</summary>
internal sealed class TrimmableMemoryPool : MemoryPool<byte>
{
    /// <summary>The block size Kestrel's own pool uses: a page.</summary>
    public const int BlockSize = 4096;

    private readonly ConcurrentQueue<Block> _blocks = new();
    private volatile bool _disposed;
    private long _allocated;

    public override int MaxBufferSize => BlockSize;

    /// <summary>Blocks pooled now.</summary>
    public int Count => _blocks.Count;

    /// <summary>Blocks ever allocated (a rent the pool could not serve).</summary>
    public long Allocated => Interlocked.Read(ref _allocated);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_blocks.TryDequeue(out var block))
        {
            return block;
        }

        Interlocked.Increment(ref _allocated);
        return new Block(this);
    }

    /// <summary>Drops every pooled block; the count dropped.</summary>
    public int Trim()
    {
        var dropped = 0;
        while (_blocks.TryDequeue(out _))
        {
            dropped++;
        }

        return dropped;
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        Trim();
    }

    private void Return(Block block)
    {
        if (!_disposed)
        {
            _blocks.Enqueue(block);
        }
    }

    private sealed class Block(TrimmableMemoryPool pool) : IMemoryOwner<byte>
    {
        public Memory<byte> Memory { get; } = MemoryMarshal.CreateFromPinnedArray(GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true), 0, BlockSize);

        public void Dispose() => pool.Return(this);
    }
}
