using System.Diagnostics;

namespace MassRouter.LoadTests.Engine;

/// <summary>Stopwatch timestamps and their conversion to microseconds.</summary>
internal static class Clock
{
    private static readonly double _microsecondsPerTick = 1_000_000.0 / Stopwatch.Frequency;

    public static long Now => Stopwatch.GetTimestamp();

    public static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    public static long Microseconds(long ticks) => (long)(ticks * _microsecondsPerTick);

    public static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;
}
