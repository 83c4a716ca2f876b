namespace MassRouter.Gateway.Memory;

/// <summary>
/// Gives the memory a burst of load grew back to the OS once the gateway is idle again.
/// </summary>
/// <remarks>
/// Server GC keeps its heap at the loaded size until the next collection, and an idle gateway allocates nothing, so
/// without a nudge the resident set stays at its peak for good. Every interval this looks at how much was allocated:
/// after a busy interval followed by an idle one it runs one aggressive (decommitting) full collection, and a few more
/// at widening intervals while the gateway stays idle (see <see cref="LastFollowUp"/>). An idle heap is
/// small, so the pause is short, and it happens when there are (nearly) no requests to delay. Start-up counts as load
/// (it always allocates more than an idle interval). Kestrel's pooled buffers are dropped just before it
/// (<see cref="TrimmableMemoryPoolFactory"/>), and the C library's heap is trimmed after it (<see cref="NativeHeap"/>).
/// </remarks>
internal sealed class IdleHeapTrimmer(TimeProvider time, TrimmableMemoryPoolFactory? kestrelPools = null) : BackgroundService
{
    /// <summary>
    /// How often allocation is sampled: short enough that memory is back within seconds of a load ending, long enough
    /// that a pause between two bursts (a load generator's think time) is not taken for idleness.
    /// </summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    /// <summary>An interval that allocated more than this (8 MiB/s) was load worth trimming after.</summary>
    public const long BusyBytes = 16L * 1024 * 1024;

    /// <summary>An interval that allocated less than this was idle (a health probe or a metrics scrape stays under it).</summary>
    public const long IdleBytes = 512 * 1024;

    /// <summary>
    /// After a trim, idle intervals until the last follow-up (~4 minutes): memory held past the first trim (idle upstream
    /// connections, kept for <c>PooledConnectionIdleTimeout</c>; client connections, for Kestrel's keep-alive timeout) is
    /// freed later, and an idle gateway runs no collection of its own to give it back.
    /// </summary>
    public const int LastFollowUp = 127;

    private long _lastAllocated = -1;
    private bool _grownSinceTrim;

    /// <summary>Idle intervals since the last trim, or -1 when no follow-up is due.</summary>
    private int _idleSinceTrim = -1;
    private int _nextFollowUp;

    /// <summary>Takes the process's total allocated bytes at the end of an interval; true when the heap should be trimmed now.</summary>
    public bool ShouldTrim(long totalAllocated)
    {
        var previous = _lastAllocated;
        _lastAllocated = totalAllocated;
        if (previous < 0)
        {
            // Start-up counts as load: what it left (configuration, the tokenizer's load buffers, the first JIT work)
            // is given back at the first idle interval, so an idle gateway sits at its idle size from the start.
            _grownSinceTrim = totalAllocated >= IdleBytes;
            return false;
        }

        var allocated = totalAllocated - previous;
        if (allocated > BusyBytes)
        {
            _grownSinceTrim = true;
            _idleSinceTrim = -1;
            return false;
        }

        if (allocated >= IdleBytes)
        {
            return false;
        }

        if (_grownSinceTrim)
        {
            // Follow-ups after 3, 7, 15, 31, 63 and 127 idle intervals (6 s to ~4 minutes), then none until the next load.
            _grownSinceTrim = false;
            _idleSinceTrim = 0;
            _nextFollowUp = 3;
            return true;
        }

        if (_idleSinceTrim >= 0 && ++_idleSinceTrim == _nextFollowUp)
        {
            _nextFollowUp = (_nextFollowUp * 2) + 1;
            if (_nextFollowUp > LastFollowUp)
            {
                _idleSinceTrim = -1;
            }

            return true;
        }

        return false;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (ShouldTrim(GC.GetTotalAllocatedBytes()))
                {
                    kestrelPools?.Trim();
                    GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                    NativeHeap.Trim();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
    }
}
