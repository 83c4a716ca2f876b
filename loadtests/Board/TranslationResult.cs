using MassRouter.LoadTests.Engine;

namespace MassRouter.LoadTests.Board;

/// <summary>The Anthropic-format lane (<c>/v1/messages</c>): "not available" until the gateway serves that route.</summary>
/// <param name="Stream">Concurrency-1 streaming on <c>/v1/messages</c>: its inter-frame gap is compared with the passthrough stream's.</param>
internal sealed record TranslationResult(string Status, PhaseResult? Latency, PhaseResult? Throughput, PhaseResult? Stream);
