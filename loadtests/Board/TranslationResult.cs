using MassRouter.LoadTests.Engine;

namespace MassRouter.LoadTests.Board;

/// <summary>
/// The Anthropic-format lane (<c>/v1/messages</c> against the same OpenAI-format mock): the added latency at concurrency 1,
/// the throughput frontier (swept in the same rounds as the passthrough frontier, interleaved with it) and a stream.
/// </summary>
internal sealed class TranslationResult
{
    /// <summary>"measured", or why the lane is not available (the gateway's answer on <c>/v1/messages</c>).</summary>
    public required string Status { get; init; }

    public bool Measured => Status == BoardRunner.Measured;

    /// <summary>Non-streaming, zero-delay mock, concurrency 1.</summary>
    public PhaseResult? Latency { get; set; }

    /// <summary>Each step of the translated sweep: the round with the median p99 of <see cref="FrontierRounds"/>.</summary>
    public List<PhaseResult> Frontier { get; } = [];

    public List<List<PhaseResult>> FrontierRounds { get; } = [];

    /// <summary>Best requests/s under each bound, as the passthrough frontier's.</summary>
    public Dictionary<string, double?> FrontierBest { get; } = [];

    /// <summary>Concurrency-1 streaming on <c>/v1/messages</c>: its inter-frame gap is compared with the passthrough stream's.</summary>
    public PhaseResult? Stream { get; set; }
}
