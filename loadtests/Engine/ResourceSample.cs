namespace MassRouter.LoadTests.Engine;

/// <summary>The target process at one moment: RSS, CPU time so far, and (when it exposes Prometheus metrics) GC counts and managed heap.</summary>
internal sealed record ResourceSample(double Second, double? RssMiB, double? CpuSeconds, double? Gen0, double? Gen1, double? Gen2, double? HeapMiB);
