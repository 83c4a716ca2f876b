using MassRouter.LoadTests.Board;
using MassRouter.LoadTests.Engine;

namespace MassRouter.LoadTests.Tests;

/// <summary>A streams-sustained step is run again once it fails, up to its attempts; every attempt is kept.</summary>
public sealed class StreamStepTests
{
    private static PhaseResult Attempt(int attempt, long stalls = 0, long failed = 0) => new()
    {
        Name = $"streams c=100 attempt {attempt}",
        Model = "m",
        Concurrency = 100,
        Requests = 100,
        Ok = 100 - failed,
        Failed = failed,
        Stalls = stalls,
        Latency = Percentiles.Empty,
        Ttft = Percentiles.Empty,
        Gap = Percentiles.Empty,
    };

    private static async Task<(PhaseResult Step, bool Passed, List<int> Ran, List<PhaseResult> Retried)> RunAsync(int attempts, params PhaseResult[] outcomes)
    {
        var ran = new List<int>();
        var retried = new List<PhaseResult>();
        var logged = new List<PhaseResult>();
        var (step, passed) = await BoardRunner.StreamStepAsync(
            attempt =>
            {
                ran.Add(attempt);
                return Task.FromResult(outcomes[attempt - 1]);
            },
            attempts,
            retried,
            logged.Add);
        Assert.Equal(retried, logged);
        return (step, passed, ran, retried);
    }

    [Fact]
    public async Task APassingStep_RunsOnce()
    {
        var (step, passed, ran, retried) = await RunAsync(2, Attempt(1), Attempt(2, stalls: 5));

        Assert.True(passed);
        Assert.Equal([1], ran);
        Assert.Equal("streams c=100 attempt 1", step.Name);
        Assert.Empty(retried);
    }

    [Fact]
    public async Task AStalledAttempt_IsRunAgain_AndTheSecondDecides()
    {
        var first = Attempt(1, stalls: 100);
        var (step, passed, ran, retried) = await RunAsync(2, first, Attempt(2));

        Assert.True(passed);
        Assert.Equal([1, 2], ran);
        Assert.Equal("streams c=100 attempt 2", step.Name);
        Assert.Same(first, Assert.Single(retried));
    }

    [Fact]
    public async Task AStepThatFailsEveryAttempt_Fails_OnItsLastAttempt()
    {
        // Errors over 0.1% fail a step as stalls do.
        var (step, passed, ran, retried) = await RunAsync(2, Attempt(1, failed: 1), Attempt(2, stalls: 1), Attempt(3));

        Assert.False(passed);
        Assert.Equal([1, 2], ran);
        Assert.Equal("streams c=100 attempt 2", step.Name);
        Assert.Single(retried);
    }

    [Fact]
    public async Task OneAttempt_NeverRunsAgain()
    {
        var (_, passed, ran, retried) = await RunAsync(1, Attempt(1, stalls: 1), Attempt(2));

        Assert.False(passed);
        Assert.Equal([1], ran);
        Assert.Empty(retried);
    }
}
