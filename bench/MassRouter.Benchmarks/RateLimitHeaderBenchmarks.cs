using System.Globalization;
using BenchmarkDotNet.Attributes;
using MassRouter.Gateway.Limits;

namespace MassRouter.Benchmarks;

/// <summary>The two <c>x-ratelimit-reset-*</c> values every admitted request carries: the decimal formula against integer formatting.</summary>
[MemoryDiagnoser]
public class RateLimitHeaderBenchmarks
{
    [Benchmark(Baseline = true)]
    public int DecimalFormula() => Decimal(6_500).Length + Decimal(86_250).Length;

    [Benchmark]
    public int Integers() => RateLimitHeaders.FormatDuration(6_500).Length + RateLimitHeaders.FormatDuration(86_250).Length;

    private static string Decimal(long ms)
    {
        var time = TimeSpan.FromMilliseconds(ms);
        var seconds = (time.Seconds + (time.Milliseconds / 1000m)).ToString("0.###", CultureInfo.InvariantCulture) + "s";
        if (time.TotalMinutes < 1)
        {
            return seconds;
        }

        var minutes = time.Minutes.ToString(CultureInfo.InvariantCulture) + "m";
        return time.TotalHours < 1 ? minutes + seconds : ((long)time.TotalHours).ToString(CultureInfo.InvariantCulture) + "h" + minutes + seconds;
    }
}
