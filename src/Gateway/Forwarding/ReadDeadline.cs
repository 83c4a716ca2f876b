using System.Diagnostics;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// The deadline of the next read from a provider, as a cancellation token that also follows the client and the
/// request's stop token.
/// </summary>
/// <remarks>
/// A stream moves its deadline forward on every chunk. Re-arming a timer per chunk (<c>CancelAfter</c>) takes the timer
/// queue's lock thousands of times a second with many streams; here moving the deadline later is a field write, and the
/// single timer, when it fires, re-arms itself for whatever is left. Only moving the deadline earlier touches the timer.
/// </remarks>
internal sealed class ReadDeadline : IDisposable
{
    private readonly CancellationTokenSource _cancel;
    private readonly Timer _timer;
    private readonly Lock _arming = new();
    private long _deadline = long.MaxValue;
    private long _armedFor = long.MaxValue;

    public ReadDeadline(CancellationToken first, CancellationToken second)
    {
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(first, second);
        // The callback needs none of the request's async-locals; capturing them would keep them alive with the timer.
        using (ExecutionContext.SuppressFlow())
        {
            _timer = new Timer(static state => ((ReadDeadline)state!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);
        }
    }

    /// <summary>Cancelled when the deadline passes or either linked token is cancelled.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>The next read must complete within <paramref name="timeout"/> from now.</summary>
    public void Set(TimeSpan timeout)
    {
        var now = Stopwatch.GetTimestamp();
        var deadline = timeout == Timeout.InfiniteTimeSpan || timeout >= TimeSpan.FromDays(1) ? long.MaxValue : now + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        Volatile.Write(ref _deadline, deadline);
        if (deadline < Volatile.Read(ref _armedFor))
        {
            Arm(now);
        }
    }

    private void OnTimer()
    {
        var now = Stopwatch.GetTimestamp();
        if (now >= Volatile.Read(ref _deadline))
        {
            try
            {
                _cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The read finished and the deadline was disposed while the timer fired.
            }

            return;
        }

        try
        {
            Arm(now);
        }
        catch (ObjectDisposedException)
        {
            // Disposed while the timer fired: nothing is waiting any more.
        }
    }

    private void Arm(long now)
    {
        lock (_arming)
        {
            var deadline = Volatile.Read(ref _deadline);
            if (deadline == long.MaxValue)
            {
                return;
            }

            // Round up so the timer never fires before the deadline (it would only re-arm, but needlessly).
            var left = Math.Max(1L, (long)Math.Ceiling((deadline - now) * 1000.0 / Stopwatch.Frequency));
            Volatile.Write(ref _armedFor, deadline);
            _timer.Change(left, Timeout.Infinite);
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        _cancel.Dispose();
    }
}
