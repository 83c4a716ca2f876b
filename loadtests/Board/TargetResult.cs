using MassRouter.LoadTests.Engine;

namespace MassRouter.LoadTests.Board;

/// <summary>Everything the board measured on one target.</summary>
internal sealed class TargetResult
{
    public required string Name { get; init; }

    public required string Url { get; init; }

    public string? Version { get; init; }

    public bool Available { get; set; }

    public string? Reason { get; set; }

    /// <summary>The round with the median p99 of <see cref="AddedLatencyRounds"/>.</summary>
    public PhaseResult? AddedLatency { get; set; }

    public List<PhaseResult> AddedLatencyRounds { get; } = [];

    /// <summary>Each step of the sweep: the round with the median p99 of <see cref="FrontierRounds"/>.</summary>
    public List<PhaseResult> Frontier { get; } = [];

    /// <summary>Every round of the frontier sweep, in order (the rounds ran interleaved across the targets).</summary>
    public List<List<PhaseResult>> FrontierRounds { get; } = [];

    /// <summary>Best requests/s with p99 minus the mock delay under each bound and no failure ("inf" = unbounded); null when no step qualified.</summary>
    public Dictionary<string, double?> FrontierBest { get; } = [];

    /// <summary>The round with the median time to first content frame (p50) of <see cref="TtftRounds"/>.</summary>
    public PhaseResult? Ttft { get; set; }

    /// <summary>Short streams at concurrency 1 (a role chunk, two content deltas): hundreds of first frames a round.</summary>
    public List<PhaseResult> TtftRounds { get; } = [];

    /// <summary>The round with the median inter-frame gap p99 of <see cref="StreamLatencyRounds"/>.</summary>
    public PhaseResult? StreamLatency { get; set; }

    public List<PhaseResult> StreamLatencyRounds { get; } = [];

    /// <summary>Each step of the streams-sustained sweep: its last attempt (the one that decided it).</summary>
    public List<PhaseResult> StreamSweep { get; } = [];

    /// <summary>The failed attempts of steps that were run again (<see cref="BoardSettings.StreamStepAttempts"/>).</summary>
    public List<PhaseResult> StreamSweepRetried { get; } = [];

    public StreamSweepResult? Streams { get; set; }

    /// <summary>The memory cell's load, on the cold process (first of all the target's phases): its legs, in order.</summary>
    public List<PhaseResult> MemoryLegs { get; } = [];

    /// <summary>RSS samples of the memory cell's legs, in seconds from its start.</summary>
    public List<ResourceSample> MemorySamples { get; } = [];

    /// <summary>The same fixed load on the warm process, after the sweeps: CPU per request under load.</summary>
    public PhaseResult? FixedLoad { get; set; }

    public MemoryResult? Memory { get; set; }

    public TranslationResult? Translation { get; set; }
}
