using HdrHistogram;

namespace MassRouter.LoadTests.Engine;

/// <summary>Latency percentiles in microseconds.</summary>
internal sealed record Percentiles(long Count, double MeanUs, long P50Us, long P90Us, long P99Us, long P999Us, long MaxUs)
{
    public static Percentiles Empty { get; } = new(0, 0, 0, 0, 0, 0, 0);

    public static Percentiles From(LongHistogram histogram) => histogram.TotalCount == 0
        ? Empty
        : new(
            histogram.TotalCount,
            Math.Round(histogram.GetMean(), 1),
            histogram.GetValueAtPercentile(50),
            histogram.GetValueAtPercentile(90),
            histogram.GetValueAtPercentile(99),
            histogram.GetValueAtPercentile(99.9),
            histogram.GetMaxValue());
}
