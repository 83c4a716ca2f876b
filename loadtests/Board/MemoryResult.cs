namespace MassRouter.LoadTests.Board;

/// <summary>
/// The memory cell, on a process that has served nothing before it (the reference board cold-starts each gateway for
/// it): RSS before the first request, under a fixed load until it plateaus or the cap (mean and slope over the plateau
/// test's trailing window; <see cref="TimeToPlateauSeconds"/>), shortly after the
/// load (its client gone, as a load generator that exits), at the end of the recovery window
/// (<see cref="RecoveredMiB"/>), and at the end of the whole run (<see cref="LateMiB"/>, <see cref="LateAfterSeconds"/>
/// after the target's last load).
/// </summary>
internal sealed record MemoryResult(double? IdleMiB, double? SteadyMiB, double? GrowthMiBPerMinute, bool? Plateau, double? AfterMiB)
{
    public double? TimeToPlateauSeconds { get; init; }

    public double? RecoveredMiB { get; init; }

    public double? RecoverySeconds { get; init; }

    public double? LateMiB { get; init; }

    public double? LateAfterSeconds { get; init; }
}
