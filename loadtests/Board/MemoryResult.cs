namespace MassRouter.LoadTests.Board;

/// <summary>RSS before the first request, under a fixed load (median of the second half and its slope) and after it.</summary>
internal sealed record MemoryResult(double? IdleMiB, double? SteadyMiB, double? GrowthMiBPerMinute, bool? Plateau, double? AfterMiB);
