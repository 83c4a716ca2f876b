using System.Diagnostics;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Tests.Generation;

public sealed class PreciseDelayTests
{
    [Fact]
    public async Task NeverCompletesBeforeItsTime_ByThePreciseClock()
    {
        // Task.Delay may fire early by up to a coarse tick; a pacer must not (a chunk sent early is a wrong TTFT).
        var delays = Enumerable.Range(0, 40).Select(i => TimeSpan.FromMilliseconds(1 + (i * 7 % 23))).ToArray();
        var waits = delays.Select(async delay =>
        {
            var started = Stopwatch.GetTimestamp();
            await PreciseDelay.Shared.WaitAsync(delay, CancellationToken.None);
            return (delay, Stopwatch.GetElapsedTime(started));
        }).ToArray();

        foreach (var (delay, elapsed) in await Task.WhenAll(waits))
        {
            Assert.True(elapsed >= delay, $"a {delay.TotalMilliseconds} ms delay completed after {elapsed.TotalMilliseconds:0.000} ms");
        }
    }

    [Fact]
    public async Task ANonPositiveDelay_CompletesAtOnce_AndCancellationCancels()
    {
        Assert.True(PreciseDelay.Shared.WaitAsync(TimeSpan.Zero, CancellationToken.None).IsCompletedSuccessfully);

        using var cancel = new CancellationTokenSource();
        var wait = PreciseDelay.Shared.WaitAsync(TimeSpan.FromMinutes(5), cancel.Token);
        Assert.False(wait.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);

        // A later, shorter delay behind the cancelled one still completes.
        await PreciseDelay.Shared.WaitAsync(TimeSpan.FromMilliseconds(2), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }
}
