using MassRouter.LoadTests.Engine;

namespace MassRouter.LoadTests.Board;

/// <summary>
/// The Anthropic-format lane (<c>/v1/messages</c> against the same OpenAI-format mock): the added latency at concurrency 1,
/// the throughput frontier and a stream, each measured in the same rounds as its passthrough counterpart, interleaved with it.
/// </summary>
internal sealed class TranslationResult
{
    /// <summary>"measured", or why the lane is not available (the gateway's answer on <c>/v1/messages</c>).</summary>
    public required string Status { get; init; }

    public bool Measured => Status == BoardRunner.Measured;

    /// <summary>Non-streaming, zero-delay mock, concurrency 1: the round with the median p99 of <see cref="LatencyRounds"/>.</summary>
    public PhaseResult? Latency { get; set; }

    /// <summary>Every concurrency-1 round, each run right after the target's passthrough round (interleaved across the targets).</summary>
    public List<PhaseResult> LatencyRounds { get; } = [];

    /// <summary>Each step of the translated sweep: the round with the median p99 of <see cref="FrontierRounds"/>.</summary>
    public List<PhaseResult> Frontier { get; } = [];

    public List<List<PhaseResult>> FrontierRounds { get; } = [];

    /// <summary>Best requests/s under each bound, as the passthrough frontier's.</summary>
    public Dictionary<string, double?> FrontierBest { get; } = [];

    /// <summary>
    /// Concurrency-1 streaming on <c>/v1/messages</c>, the round with the median gap p99 of <see cref="StreamRounds"/>: its
    /// inter-frame gap is compared with the passthrough stream's.
    /// </summary>
    public PhaseResult? Stream { get; set; }

    /// <summary>Every streaming round, each run right after the target's passthrough stream round.</summary>
    public List<PhaseResult> StreamRounds { get; } = [];
}
