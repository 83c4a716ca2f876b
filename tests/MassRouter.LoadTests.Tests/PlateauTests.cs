using MassRouter.LoadTests.Board;
using MassRouter.LoadTests.Engine;

namespace MassRouter.LoadTests.Tests;

/// <summary>The memory cell's plateau test, as the reference board states it: no upward trend and no wide swing over the trailing window.</summary>
public sealed class PlateauTests
{
    private static List<ResourceSample> Samples(Func<double, double> rss, double seconds, double step = 0.25) =>
        [.. Enumerable.Range(0, (int)(seconds / step) + 1).Select(i => new ResourceSample(i * step, rss(i * step), null, null, null, null, null))];

    [Fact]
    public void FlatAfterARise_IsAPlateau()
    {
        Assert.True(BoardRunner.Plateau(Samples(t => t < 5 ? 75 + (10 * t) : 125 + (0.1 * Math.Sin(t)), 20), 10));
    }

    [Fact]
    public void StillRising_IsNot()
    {
        // 3% over the window; 1.5% would pass (the test's bounds: halves within 1% of the mean, range under 2%).
        Assert.False(BoardRunner.Plateau(Samples(t => 100 + (0.3 * t), 20), 10));
        Assert.True(BoardRunner.Plateau(Samples(t => 100 + (0.15 * t), 20), 10));
    }

    [Fact]
    public void ARiseHiddenInNoise_IsCaughtByTheTrend()
    {
        // Swings of 0.7 MiB around a mean that steps up by 1.2% halfway through the window: 1.9% from lowest to highest
        // (under the range bound), but the second half's mean is 1.2% above the first's.
        var samples = Samples(t => (t < 15 ? 100 : 101.2) + (0.35 * Math.Sign(Math.Sin(7 * t))), 20);
        var window = samples.Where(r => r.Second >= 10).Select(r => r.RssMiB!.Value).ToList();
        Assert.True(window.Max() - window.Min() < 0.02 * window.Average(), "within the range bound");
        Assert.False(BoardRunner.Plateau(samples, 10));
    }

    [Fact]
    public void SwingingAroundAFlatMean_IsNot()
    {
        Assert.False(BoardRunner.Plateau(Samples(t => 100 + (3 * Math.Sin(4 * t)), 20), 10));
    }

    [Fact]
    public void ShorterThanTheWindow_IsNotYetJudged()
    {
        Assert.False(BoardRunner.Plateau(Samples(_ => 100, 8), 10));
        Assert.False(BoardRunner.Plateau([], 10));
    }

    [Fact]
    public void Shrinking_IsAPlateau()
    {
        // Giving memory back under load is no growth; only a wide swing would fail it.
        Assert.True(BoardRunner.Plateau(Samples(t => 100 - (0.05 * t), 20), 10));
    }
}
