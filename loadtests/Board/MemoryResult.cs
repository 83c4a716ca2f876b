namespace MassRouter.LoadTests.Board;

/// <summary>
/// RSS before the first request, under a fixed load (median of the second half and its slope), shortly after it, and
/// at the end of the run (<see cref="LateMiB"/>, <see cref="LateAfterSeconds"/> after the target's load ended).
/// </summary>
internal sealed record MemoryResult(double? IdleMiB, double? SteadyMiB, double? GrowthMiBPerMinute, bool? Plateau, double? AfterMiB)
{
    public double? LateMiB { get; init; }

    public double? LateAfterSeconds { get; init; }
}
