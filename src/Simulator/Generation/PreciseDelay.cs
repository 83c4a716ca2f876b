using System.Diagnostics;

namespace MassRouter.Simulator.Generation;

/// <summary>
/// Delays accurate to about a millisecond, for pacing. <see cref="Task.Delay(TimeSpan)"/> runs on the timer queue's
/// coarse clock (on Linux the tick count advances in jiffies, 4 ms at HZ=250), so a 20 ms delay answered anywhere from
/// 19.5 to 25.7 ms: a jitter every benchmark target inherited. Here one background thread keeps the due times (from
/// <see cref="Stopwatch"/>) in a heap, waits on a monitor until the earliest (whose timeout the runtime measures on the
/// precise monotonic clock) and completes what is due; continuations run on the thread pool.
/// </summary>
internal sealed class PreciseDelay
{
    private readonly PriorityQueue<Waiter, long> _due = new();
    private readonly object _gate = new();
    private long _earliest = long.MaxValue;

    private PreciseDelay()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "Simulator pacer" };
        thread.Start();
    }

    public static PreciseDelay Shared { get; } = new();

    /// <summary>Completes once <paramref name="delay"/> has passed (at once if it is not positive).</summary>
    public Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        if (delay <= TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var due = Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);
        var waiter = new Waiter(cancellationToken);
        lock (_gate)
        {
            _due.Enqueue(waiter, due);
            if (due < _earliest)
            {
                _earliest = due;
                Monitor.Pulse(_gate);
            }
        }

        return waiter.Task;
    }

    private void Run()
    {
        var ready = new List<Waiter>();
        while (true)
        {
            lock (_gate)
            {
                while (true)
                {
                    var now = Stopwatch.GetTimestamp();
                    while (_due.TryPeek(out var waiter, out var due) && due <= now)
                    {
                        _due.Dequeue();
                        ready.Add(waiter);
                    }

                    if (ready.Count > 0)
                    {
                        break;
                    }

                    if (_due.TryPeek(out _, out var next))
                    {
                        _earliest = next;
                        Monitor.Wait(_gate, (int)Math.Ceiling((next - now) * 1000.0 / Stopwatch.Frequency));
                    }
                    else
                    {
                        _earliest = long.MaxValue;
                        Monitor.Wait(_gate);
                    }
                }
            }

            foreach (var waiter in ready)
            {
                waiter.Complete();
            }

            ready.Clear();
        }
    }

    private sealed class Waiter
    {
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenRegistration _registration;

        public Waiter(CancellationToken cancellationToken)
        {
            if (cancellationToken.CanBeCanceled)
            {
                _registration = cancellationToken.UnsafeRegister(
                    static (state, token) => ((TaskCompletionSource)state!).TrySetCanceled(token), _completion);
            }
        }

        public Task Task => _completion.Task;

        public void Complete()
        {
            _registration.Dispose();
            _completion.TrySetResult();
        }
    }
}
