namespace MassRouter.LoadTests.Board;

/// <summary>One target against the in-run baselines: added latency versus direct, throughput and CPU versus the floor and the peer.</summary>
internal sealed record ComparisonRow
{
    public required string Target { get; init; }

    public bool Available { get; init; }

    public long? P50Us { get; init; }

    public long? P99Us { get; init; }

    public long? AddedP50Us { get; init; }

    public long? AddedP99Us { get; init; }

    public double? CpuUsPerRequestC1 { get; init; }

    public double? CpuUsPerRequestLoad { get; init; }

    public double? CpuLoadVsFloor { get; init; }

    public double? Rps10Ms { get; init; }

    public double? Rps10MsVsFloor { get; init; }

    public double? Rps10MsVsPeer { get; init; }

    public double? RpsUnbounded { get; init; }

    public long? AddedTtftP50Us { get; init; }

    public long? AddedTtftP99Us { get; init; }

    public long? AddedGapP50Us { get; init; }

    public long? AddedGapP99Us { get; init; }

    public int? StreamsSustained { get; init; }

    public double? StreamsFramesPerSecond { get; init; }

    public bool? StreamsCeilingReached { get; init; }

    /// <summary>The mock alone sustained no more than 10% above this target: the figure is bounded by the mock (and generator).</summary>
    public bool? MockBound { get; init; }

    public double? IdleMiB { get; init; }

    public double? SteadyMiB { get; init; }

    public double? GrowthMiBPerMinute { get; init; }

    public double? AfterMiB { get; init; }

    /// <summary>RSS at the end of the memory cell's recovery window, <see cref="RecoverySeconds"/> after its load.</summary>
    public double? RecoveredMiB { get; init; }

    public double? RecoverySeconds { get; init; }

    /// <summary>RSS at the end of the run, after every phase, <see cref="LateAfterSeconds"/> after this target's last load.</summary>
    public double? LateMiB { get; init; }

    public double? LateAfterSeconds { get; init; }

    public string? Translation { get; init; }

    /// <summary>Translation lane: p99 at concurrency 1 on /v1/messages minus direct's chat-completions p99.</summary>
    public long? TranslationAddedP99Us { get; init; }

    /// <summary>Translation lane: inter-frame gap p99 of a translated stream minus this target's passthrough stream.</summary>
    public long? TranslationGapP99VsPassthroughUs { get; init; }

    /// <summary>Translation lane: best requests/s with added p99 under 10 ms on <c>/v1/messages</c>.</summary>
    public double? TranslationRps10Ms { get; init; }

    /// <summary>Translation lane: <see cref="TranslationRps10Ms"/> over this target's chat-completions figure in the same rounds.</summary>
    public double? TranslationRps10MsVsPassthrough { get; init; }

    public double? TranslationRpsUnbounded { get; init; }
}
