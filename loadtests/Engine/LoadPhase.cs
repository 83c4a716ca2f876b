namespace MassRouter.LoadTests.Engine;

/// <summary>
/// One measured run: a workload, closed (fixed concurrency) or open (fixed or scheduled arrival rate), warm-up and duration.
/// </summary>
internal sealed class LoadPhase
{
    public required string Name { get; init; }

    public required Workload Workload { get; init; }

    /// <summary>Closed model: requests in flight at all times. Ignored when <see cref="RateAt"/> is set.</summary>
    public int Concurrency { get; init; } = 1;

    /// <summary>Open model: the arrival rate (requests/s) at a time (seconds since the measured window started; negative in warm-up).</summary>
    public Func<double, double>? RateAt { get; init; }

    /// <summary>Open model: requests beyond this many in flight are not sent and count as failed (the target fell behind).</summary>
    public int MaxInFlight { get; init; } = 20_000;

    public TimeSpan Warmup { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A content-frame gap longer than this counts as a stall; zero disables the check.</summary>
    public TimeSpan StallThreshold { get; init; }

    /// <summary>Closed model: spread the workers' first requests over this span, so thousands of streams do not connect at once.</summary>
    public TimeSpan StartStagger { get; init; }

    /// <summary>Process whose RSS and CPU time are sampled during the phase.</summary>
    public int? Pid { get; init; }

    /// <summary>Prometheus endpoint of the target, for GC counts and managed heap over time.</summary>
    public Uri? MetricsUrl { get; init; }

    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long requests still in flight at the end may take before they are cancelled.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Closed model: requests measured at the least; workers go on past the window until that many completed (or the
    /// grace ran out), whatever paused the machine during it. The rates still divide by <see cref="Duration"/>.
    /// </summary>
    public int MinMeasured { get; init; } = 1;

    public bool IsOpen => RateAt is not null;
}
