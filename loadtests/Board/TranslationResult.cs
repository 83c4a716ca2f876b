using MassRouter.LoadTests.Engine;

namespace MassRouter.LoadTests.Board;

/// <summary>The Anthropic-format lane (<c>/v1/messages</c>): "not available" until the gateway serves that route.</summary>
internal sealed record TranslationResult(string Status, PhaseResult? Latency, PhaseResult? Throughput);
