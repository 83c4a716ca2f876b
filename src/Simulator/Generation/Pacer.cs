using System.Diagnostics;

namespace MassRouter.Simulator.Generation;

/// <summary>
/// Schedules chunk k at start + ttft + k * itl. Waiting against the start time rather than sleeping a fixed interval keeps
/// timer overshoot from accumulating over a long stream; the wait itself is a <see cref="PreciseDelay"/>.
/// </summary>
internal readonly struct Pacer
{
    private readonly long _start;
    private readonly int _timeToFirstTokenMs;
    private readonly int _interTokenIntervalMs;

    private Pacer(long start, int timeToFirstTokenMs, int interTokenIntervalMs)
    {
        _start = start;
        _timeToFirstTokenMs = timeToFirstTokenMs;
        _interTokenIntervalMs = interTokenIntervalMs;
    }

    public static Pacer Start(int timeToFirstTokenMs, int interTokenIntervalMs) =>
        new(Stopwatch.GetTimestamp(), timeToFirstTokenMs, interTokenIntervalMs);

    /// <summary>Waits until chunk <paramref name="chunk"/> (0 = first) is due; never touches a timer when pacing is off.</summary>
    public ValueTask WaitForChunkAsync(int chunk, CancellationToken cancellationToken)
    {
        if (_timeToFirstTokenMs <= 0 && _interTokenIntervalMs <= 0)
        {
            return ValueTask.CompletedTask;
        }

        var due = TimeSpan.FromMilliseconds(_timeToFirstTokenMs + ((double)chunk * _interTokenIntervalMs));
        var remaining = due - Stopwatch.GetElapsedTime(_start);
        return remaining <= TimeSpan.Zero
            ? ValueTask.CompletedTask
            : new ValueTask(PreciseDelay.Shared.WaitAsync(remaining, cancellationToken));
    }
}
