using System.Diagnostics;
using MassRouter.Gateway.Forwarding;

namespace MassRouter.Gateway.Tests.Forwarding;

public sealed class ReadDeadlineTests
{
    [Theory]
    [InlineData(0, 100)]
    [InlineData(100, 600)]
    public async Task PassedDeadline_CancelsTheToken_EvenAfterBeingMovedLater(int firstMs, int lastMs)
    {
        using var deadline = new ReadDeadline(CancellationToken.None, CancellationToken.None);
        if (firstMs > 0)
        {
            deadline.Set(TimeSpan.FromMilliseconds(firstMs));
        }

        var started = Stopwatch.GetTimestamp();
        deadline.Set(TimeSpan.FromMilliseconds(lastMs));
        await Cancelled(deadline.Token).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(Stopwatch.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(lastMs - 10));
    }

    [Fact]
    public async Task DeadlineMovedEarlier_CancelsAtTheEarlierTime()
    {
        using var deadline = new ReadDeadline(CancellationToken.None, CancellationToken.None);
        deadline.Set(TimeSpan.FromMinutes(10));
        deadline.Set(TimeSpan.FromMilliseconds(50));
        await Cancelled(deadline.Token).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void LinkedToken_CancelsAtOnce()
    {
        using var client = new CancellationTokenSource();
        using var deadline = new ReadDeadline(client.Token, CancellationToken.None);
        deadline.Set(TimeSpan.FromMinutes(10));
        client.Cancel();
        Assert.True(deadline.Token.IsCancellationRequested);
    }

    private static Task Cancelled(CancellationToken token)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => done.TrySetResult());
        return done.Task;
    }
}
