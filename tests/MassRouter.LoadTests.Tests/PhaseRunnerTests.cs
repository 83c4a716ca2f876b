using MassRouter.LoadTests.Cli;
using MassRouter.LoadTests.Engine;
using MassRouter.LoadTests.Targets;

namespace MassRouter.LoadTests.Tests;

/// <summary>
/// The open model sends on schedule whatever the target does, and counts what it could not send as failed; the closed
/// model measures at least one request whatever paused the machine.
/// </summary>
public sealed class PhaseRunnerTests : IClassFixture<LoopbackRig>
{
    private readonly LoopbackRig _rig;

    public PhaseRunnerTests(LoopbackRig rig) => _rig = rig;

    [Fact]
    public async Task Sends_at_the_requested_rate()
    {
        using var client = LoadTestClient.Create();
        var target = TargetSpec.Parse(_rig.DirectTarget);
        var phase = new LoadPhase
        {
            Name = "rate", Workload = Workload.Single(RequestTemplate.Chat(target, "chat", new ChatShape())),
            RateAt = _ => 200, Duration = TimeSpan.FromSeconds(1),
        };

        var result = await PhaseRunner.RunAsync(client, phase, CancellationToken.None);

        Assert.InRange(result.Requests, 180, 220);
        Assert.Equal(result.Requests, result.Ok);
        Assert.Equal(result.Ok, result.Latency.Count);
    }

    [Fact]
    public async Task Requests_beyond_the_in_flight_cap_fail_instead_of_waiting_for_the_target()
    {
        using var client = LoadTestClient.Create();
        var target = TargetSpec.Parse(_rig.DirectTarget);
        var phase = new LoadPhase
        {
            Name = "behind", Workload = Workload.Single(RequestTemplate.Chat(target, "slow", new ChatShape { TimeToFirstTokenMs = 200 })),
            RateAt = _ => 50, MaxInFlight = 2, Duration = TimeSpan.FromSeconds(1),
        };

        var result = await PhaseRunner.RunAsync(client, phase, CancellationToken.None);

        // 50 intended sends, at most about 2 per 200 ms answered: the rest are failures, not silently skipped.
        Assert.InRange(result.Requests, 45, 55);
        Assert.True(result.Failed >= 30, $"failed {result.Failed} of {result.Requests}");
        Assert.True(result.Latency.P50Us >= 200_000, $"p50 {result.Latency.P50Us} us");
    }

    [Fact]
    public async Task A_window_shorter_than_a_request_still_measures_one()
    {
        // The warm-up request takes longer than warm-up and window together, as a pause of a shared CI host did to a
        // smoke board's stream phase: the worker goes on after the window until one request was measured.
        using var client = LoadTestClient.Create();
        var target = TargetSpec.Parse(_rig.DirectTarget);
        var phase = new LoadPhase
        {
            Name = "short", Workload = Workload.Single(RequestTemplate.Chat(target, "slow", new ChatShape { TimeToFirstTokenMs = 300 })),
            Concurrency = 1, Warmup = TimeSpan.FromMilliseconds(100), Duration = TimeSpan.FromMilliseconds(50),
        };

        var result = await PhaseRunner.RunAsync(client, phase, CancellationToken.None);

        Assert.Equal(1, result.Ok);
        Assert.Equal(0, result.Failed);
        Assert.True(result.Latency.P50Us >= 300_000, $"p50 {result.Latency.P50Us} us");
    }
}
