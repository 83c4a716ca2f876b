using MassRouter.Gateway.Memory;

namespace MassRouter.Gateway.Tests.Memory;

public sealed class IdleHeapTrimmerTests
{
    private const long Busy = IdleHeapTrimmer.BusyBytes + 1;
    private const long Idle = IdleHeapTrimmer.IdleBytes - 1;

    [Fact]
    public void IdleIntervalAfterLoad_TrimsOnce()
    {
        var trimmer = new IdleHeapTrimmer(TimeProvider.System);
        long total = 1000;
        Assert.False(trimmer.ShouldTrim(total));
        Assert.False(trimmer.ShouldTrim(total += Busy));
        Assert.True(trimmer.ShouldTrim(total += Idle));
        Assert.False(trimmer.ShouldTrim(total += Idle));
        Assert.False(trimmer.ShouldTrim(total + Idle));
    }

    [Theory]
    [InlineData(Busy)]
    [InlineData(Idle)]
    public void SteadyLoadOrSteadyIdle_IsNeverTrimmed(long perInterval)
    {
        var trimmer = new IdleHeapTrimmer(TimeProvider.System);
        long total = 0;
        for (var i = 0; i < 10; i++)
        {
            Assert.False(trimmer.ShouldTrim(total += perInterval));
        }
    }

    [Fact]
    public void TrickleAfterLoad_WaitsForARealIdleInterval()
    {
        var trimmer = new IdleHeapTrimmer(TimeProvider.System);
        long total = 0;
        trimmer.ShouldTrim(total);
        trimmer.ShouldTrim(total += Busy);
        Assert.False(trimmer.ShouldTrim(total += IdleHeapTrimmer.IdleBytes * 2));
        Assert.True(trimmer.ShouldTrim(total + Idle));
    }

    [Fact]
    public void StartUp_IsTrimmedAtTheFirstIdleInterval_Once()
    {
        var trimmer = new IdleHeapTrimmer(TimeProvider.System);
        long total = IdleHeapTrimmer.IdleBytes * 8;
        Assert.False(trimmer.ShouldTrim(total));
        Assert.False(trimmer.ShouldTrim(total += IdleHeapTrimmer.IdleBytes * 4)); // still loading (the tokenizer)
        Assert.True(trimmer.ShouldTrim(total += Idle));
        Assert.False(trimmer.ShouldTrim(total + Idle));
    }
}
