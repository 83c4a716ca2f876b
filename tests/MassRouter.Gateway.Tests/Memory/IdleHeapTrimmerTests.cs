using MassRouter.Gateway.Memory;

namespace MassRouter.Gateway.Tests.Memory;

public sealed class IdleHeapTrimmerTests
{
    private const long Busy = IdleHeapTrimmer.BusyBytes + 1;
    private const long Idle = IdleHeapTrimmer.IdleBytes - 1;

    [Fact]
    public void IdleIntervalAfterLoad_Trims_NotAtTheNextIntervals()
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
    public void StayingIdle_FollowsUpAtWideningIntervals_ThenStops()
    {
        var (trimmer, total) = TrimmedAfterLoad();
        var trims = new List<int>();
        for (var interval = 1; interval <= 400; interval++)
        {
            if (trimmer.ShouldTrim(total += Idle))
            {
                trims.Add(interval);
            }
        }

        Assert.Equal([3, 7, 15, 31, 63, IdleHeapTrimmer.LastFollowUp], trims);
    }

    [Fact]
    public void LoadAgain_CancelsTheFollowUps_UntilItsOwnTrim()
    {
        var (trimmer, total) = TrimmedAfterLoad();
        Assert.False(trimmer.ShouldTrim(total += Idle));
        Assert.False(trimmer.ShouldTrim(total += Busy));

        // The trim after the new load comes at its first idle interval; its follow-ups count from there.
        Assert.True(trimmer.ShouldTrim(total += Idle));
        Assert.False(trimmer.ShouldTrim(total += Idle));
        Assert.False(trimmer.ShouldTrim(total += Idle));
        Assert.True(trimmer.ShouldTrim(total += Idle));
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

    /// <summary>A trimmer that has just trimmed after a busy interval, and the allocation total it last saw.</summary>
    private static (IdleHeapTrimmer Trimmer, long Total) TrimmedAfterLoad()
    {
        var trimmer = new IdleHeapTrimmer(TimeProvider.System);
        long total = 0;
        trimmer.ShouldTrim(total);
        trimmer.ShouldTrim(total += Busy);
        Assert.True(trimmer.ShouldTrim(total += Idle));
        return (trimmer, total);
    }
}
