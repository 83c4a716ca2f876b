using HdrHistogram;

namespace MassRouter.LoadTests.Engine;

/// <summary>Per-second completions, failures and latency of a phase, for charts of throughput and tail over time.</summary>
internal sealed class Timeline
{
    private readonly long _start;
    private readonly long[] _ok;
    private readonly long[] _failed;
    private readonly LongHistogram?[] _latency;

    public Timeline(long start, int seconds)
    {
        _start = start;
        _ok = new long[seconds + 1];
        _failed = new long[seconds + 1];
        _latency = new LongHistogram?[seconds + 1];
    }

    public void Record(long completedAt, bool ok, long latencyMicroseconds)
    {
        var second = (int)Clock.Seconds(completedAt - _start);
        if ((uint)second >= (uint)_ok.Length)
        {
            return;
        }

        if (ok)
        {
            Interlocked.Increment(ref _ok[second]);
        }
        else
        {
            Interlocked.Increment(ref _failed[second]);
        }

        var histogram = Volatile.Read(ref _latency[second]);
        if (histogram is null)
        {
            Interlocked.CompareExchange(ref _latency[second], Stats.NewCoarseHistogram(), null);
            histogram = _latency[second]!;
        }

        lock (histogram)
        {
            Stats.Record(histogram, latencyMicroseconds);
        }
    }

    public List<TimelinePoint> Points(int fromSecond)
    {
        var points = new List<TimelinePoint>(_ok.Length);
        for (var s = 0; s < _ok.Length; s++)
        {
            var histogram = _latency[s];
            points.Add(new TimelinePoint(
                s - fromSecond,
                _ok[s],
                _failed[s],
                histogram is null ? 0 : histogram.GetValueAtPercentile(50),
                histogram is null ? 0 : histogram.GetValueAtPercentile(99)));
        }

        return points;
    }
}
