using MassRouter.LoadTests.Board;
using MassRouter.LoadTests.Engine;

namespace MassRouter.LoadTests.Tests;

/// <summary>The frontier's rounds merged step by step: the median round by p99, a failed or missing round the worst.</summary>
public sealed class FrontierRoundsTests
{
    private static PhaseResult Step(int concurrency, long p99Us, long failed = 0) => new()
    {
        Name = $"frontier c={concurrency}",
        Model = "m",
        Concurrency = concurrency,
        Ok = 100,
        Failed = failed,
        Rps = p99Us,
        Latency = new Percentiles(100, 1, 1, 1, p99Us, p99Us, p99Us),
        Ttft = Percentiles.Empty,
        Gap = Percentiles.Empty,
    };

    [Fact]
    public void EachStep_IsItsMedianRound_ByP99()
    {
        List<List<PhaseResult>> rounds =
        [
            [Step(1, 100), Step(8, 900)],
            [Step(1, 300), Step(8, 500)],
            [Step(1, 200), Step(8, 700)],
        ];

        var merged = BoardRunner.MedianSteps(rounds);

        Assert.Equal([200L, 700L], merged.Select(step => step.Latency.P99Us));
        Assert.Same(rounds[2][0], merged[0]);
    }

    [Fact]
    public void AFailedRound_CountsAsTheWorst_HoweverLowItsP99()
    {
        List<List<PhaseResult>> rounds = [[Step(1, 100, failed: 3)], [Step(1, 300)], [Step(1, 200)]];

        Assert.Equal(300L, Assert.Single(BoardRunner.MedianSteps(rounds)).Latency.P99Us);

        // Two of three failed: the median round is a failed one, which no bound counts.
        rounds = [[Step(1, 100, failed: 3)], [Step(1, 300, failed: 1)], [Step(1, 200)]];
        Assert.True(Assert.Single(BoardRunner.MedianSteps(rounds)).Failed > 0);
    }

    [Fact]
    public void ARoundThatStoppedEarly_CountsAsWorst_AndTheSweepEndsWhereMostRoundsEnded()
    {
        List<List<PhaseResult>> rounds =
        [
            [Step(1, 100), Step(8, 400), Step(32, 900)],
            [Step(1, 110)],
            [Step(1, 120), Step(8, 500)],
        ];

        var merged = BoardRunner.MedianSteps(rounds);

        // c=8: 400, 500 and one missing (the worst): the median is 500. c=32: only one of three rounds got there.
        Assert.Equal([110L, 500L], merged.Select(step => step.Latency.P99Us));
    }

    [Fact]
    public void OneRound_IsTheSweepAsItRan()
    {
        List<List<PhaseResult>> rounds = [[Step(1, 100), Step(8, 400, failed: 2)]];

        Assert.Equal(rounds[0], BoardRunner.MedianSteps(rounds));
        Assert.Empty(BoardRunner.MedianSteps([]));
    }

    [Fact]
    public void ABound_IsTheHighestRate_WhoseAddedTailStayedUnderIt_WithNoFailure()
    {
        static PhaseResult At(double rps, long p99Us, long failed = 0) => new()
        {
            Name = "frontier", Model = "m", Concurrency = 1, Ok = 100, Failed = failed, Rps = rps,
            Latency = new Percentiles(100, 1, 1, 1, p99Us, p99Us, p99Us), Ttft = Percentiles.Empty, Gap = Percentiles.Empty,
        };

        // A 20 ms mock: a p99 of 29.9 ms adds 9.9 ms, 30 ms adds 10.
        List<PhaseResult> steps = [At(100, 21_000), At(400, 29_900), At(900, 30_000), At(950, 25_000, failed: 1), At(1_200, 80_000)];

        Assert.Equal(400, BoardRunner.BestUnder(steps, 10, 20));
        Assert.Equal(100, BoardRunner.BestUnder(steps, 5, 20));
        Assert.Null(BoardRunner.BestUnder(steps, 1, 20));
        Assert.Equal(1_200, BoardRunner.BestUnder(steps, double.PositiveInfinity, 20));
    }
}
