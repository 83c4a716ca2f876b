using HdrHistogram;

namespace MassRouter.LoadTests.Engine;

/// <summary>Histogram factory and clamped recording: values are microseconds, tracked to three significant digits.</summary>
internal static class Stats
{
    private const long Highest = 600_000_000; // ten minutes

    public static LongHistogram NewHistogram() => new(Highest, 3);

    public static LongHistogram NewCoarseHistogram() => new(Highest, 2);

    public static void Record(LongHistogram histogram, long microseconds) =>
        histogram.RecordValue(Math.Clamp(microseconds, 0, Highest));
}
