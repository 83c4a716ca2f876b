using MassRouter.LoadTests.Board;
using MassRouter.LoadTests.Engine;

namespace MassRouter.LoadTests.Tests;

/// <summary>The run says when the rig itself (the mock alone) spent a bound or the streams' pacing, instead of leaving the targets blamed.</summary>
public sealed class RigCheckTests
{
    private static readonly BoardSettings Standard = BoardSettings.For("standard");

    private static TargetResult Direct(long frontierP99Us, long gapP99Us)
    {
        var direct = new TargetResult { Name = "direct", Url = "http://127.0.0.1:1/", Available = true };
        direct.Frontier.Add(Phase("frontier c=1", new Percentiles(100, 20_100, 20_200, 20_300, frontierP99Us, frontierP99Us, frontierP99Us), Percentiles.Empty));
        direct.StreamLatency = Phase("stream c=1", Percentiles.Empty, new Percentiles(100, 20_000, 20_050, 20_100, gapP99Us, gapP99Us, gapP99Us));
        return direct;
    }

    private static PhaseResult Phase(string name, Percentiles latency, Percentiles gap) => new()
    {
        Name = name, Model = "m", Concurrency = 1, Ok = 100, Latency = latency, Ttft = Percentiles.Empty, Gap = gap,
    };

    [Fact]
    public void AQuietRig_WarnsOfNothing()
    {
        var rig = RigCheck.From(Direct(frontierP99Us: 20_400, gapP99Us: 20_600), Standard);

        Assert.Equal(400, rig.MockTailOverDelayUs);
        Assert.Equal(600, rig.MockGapOverPacingUs);
        Assert.Empty(rig.Warnings);
    }

    [Fact]
    public void AMockThatOvershootsItsDelay_MakesTheBoundsItSpendsUnreadable()
    {
        // 11.4 ms over the 20 ms delay: more than half of 1, 5 and 10 ms, less than half of 50.
        var rig = RigCheck.From(Direct(frontierP99Us: 31_400, gapP99Us: 20_600), Standard);

        var warning = Assert.Single(rig.Warnings);
        Assert.Contains("11.4 ms over its 20 ms delay", warning, StringComparison.Ordinal);
        Assert.Contains("the 1, 5, 10 ms bounds", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void AMockWhoseStreamsStutter_MakesTheGapFiguresUnreadable()
    {
        var rig = RigCheck.From(Direct(frontierP99Us: 20_400, gapP99Us: 24_100), Standard);

        var warning = Assert.Single(rig.Warnings);
        Assert.Contains("4.1 ms over their 20 ms pacing", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutADirectBaseline_NothingIsMeasured_NorWarned()
    {
        var rig = RigCheck.From(null, Standard);

        Assert.Null(rig.MockTailOverDelayUs);
        Assert.Null(rig.MockGapOverPacingUs);
        Assert.Empty(rig.Warnings);
    }
}
