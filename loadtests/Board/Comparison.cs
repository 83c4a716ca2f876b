using System.Globalization;

namespace MassRouter.LoadTests.Board;

/// <summary>Derives added figures and ratios from the in-run baselines, and checks the issue's goals for the subject.</summary>
internal static class Comparison
{
    public static void Compute(BoardReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var direct = Find(report, report.Direct);
        var floor = Find(report, report.Floor);
        var peer = report.Peer is null ? null : Find(report, report.Peer);
        report.Comparison = [.. report.Targets.Select(t => Row(t, direct, floor, peer))];
        report.Goals = Goals(report);
        report.Rig = RigCheck.From(direct, report.Settings);
    }

    private static TargetResult? Find(BoardReport report, string name) =>
        report.Targets.FirstOrDefault(t => t.Available && string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));

    private static ComparisonRow Row(TargetResult t, TargetResult? direct, TargetResult? floor, TargetResult? peer)
    {
        if (!t.Available)
        {
            return new ComparisonRow { Target = t.Name, Available = false, Translation = t.Reason };
        }

        var rps10 = t.FrontierBest.GetValueOrDefault("10ms");
        var directStreams = direct?.Streams?.Sustained;
        return new ComparisonRow
        {
            Target = t.Name,
            Available = true,
            P50Us = t.AddedLatency?.Latency.P50Us,
            P99Us = t.AddedLatency?.Latency.P99Us,
            AddedP50Us = Diff(t.AddedLatency?.Latency.P50Us, direct?.AddedLatency?.Latency.P50Us),
            AddedP99Us = Diff(t.AddedLatency?.Latency.P99Us, direct?.AddedLatency?.Latency.P99Us),
            CpuUsPerRequestC1 = t.AddedLatency?.CpuUsPerRequest,
            CpuUsPerRequestLoad = t.FixedLoad?.CpuUsPerRequest,
            CpuLoadVsFloor = Ratio(t.FixedLoad?.CpuUsPerRequest, floor?.FixedLoad?.CpuUsPerRequest),
            Rps10Ms = rps10,
            Rps10MsVsFloor = Ratio(rps10, floor?.FrontierBest.GetValueOrDefault("10ms")),
            Rps10MsVsPeer = Ratio(rps10, peer?.FrontierBest.GetValueOrDefault("10ms")),
            RpsUnbounded = t.FrontierBest.GetValueOrDefault("inf"),
            AddedTtftP50Us = Diff(t.Ttft?.Ttft.P50Us, direct?.Ttft?.Ttft.P50Us),
            AddedTtftP99Us = Diff(t.Ttft?.Ttft.P99Us, direct?.Ttft?.Ttft.P99Us),
            AddedGapP50Us = Diff(t.StreamLatency?.Gap.P50Us, direct?.StreamLatency?.Gap.P50Us),
            AddedGapP99Us = Diff(t.StreamLatency?.Gap.P99Us, direct?.StreamLatency?.Gap.P99Us),
            StreamsSustained = t.Streams?.Sustained,
            StreamsFramesPerSecond = t.Streams?.FramesPerSecond,
            StreamsCeilingReached = t.Streams?.CeilingReached,
            MockBound = directStreams is null || t.Streams is null || ReferenceEquals(t, direct)
                ? null
                : directStreams <= 1.1 * t.Streams.Sustained,
            IdleMiB = Round(t.Memory?.IdleMiB),
            SteadyMiB = t.Memory?.SteadyMiB,
            GrowthMiBPerMinute = t.Memory?.GrowthMiBPerMinute,
            AfterMiB = t.Memory?.AfterMiB,
            RecoveredMiB = t.Memory?.RecoveredMiB,
            RecoverySeconds = t.Memory?.RecoverySeconds,
            LateMiB = t.Memory?.LateMiB,
            LateAfterSeconds = t.Memory?.LateAfterSeconds,
            Translation = t.Translation?.Status,
            TranslationAddedP99Us = Diff(t.Translation?.Latency?.Latency.P99Us, direct?.AddedLatency?.Latency.P99Us),
            TranslationGapP99VsPassthroughUs = Diff(t.Translation?.Stream?.Gap.P99Us, t.StreamLatency?.Gap.P99Us),
            TranslationRps10Ms = t.Translation?.FrontierBest.GetValueOrDefault("10ms"),
            TranslationRps10MsVsPassthrough = Ratio(t.Translation?.FrontierBest.GetValueOrDefault("10ms"), rps10),
            TranslationRpsUnbounded = t.Translation?.FrontierBest.GetValueOrDefault("inf"),
        };
    }

    private static List<GoalCheck> Goals(BoardReport report)
    {
        var subject = report.Comparison.FirstOrDefault(r => string.Equals(r.Target, report.Subject, StringComparison.OrdinalIgnoreCase));
        var floor = report.Comparison.FirstOrDefault(r => string.Equals(r.Target, report.Floor, StringComparison.OrdinalIgnoreCase));
        if (subject is null || !subject.Available)
        {
            return [new GoalCheck($"subject '{report.Subject}' measured", "not available", false)];
        }

        var goals = new List<GoalCheck>
        {
            Check("added p99 at concurrency 1 < 150 us", subject.AddedP99Us, v => v < 150, "us"),
            Check("added p50 within 30 us of plain YARP's", Diff(subject.AddedP50Us, floor?.AddedP50Us), v => v <= 30, "us more than the floor"),
            Check("CPU per request <= 1.3x plain YARP (fixed load)", subject.CpuLoadVsFloor, v => v <= 1.3, "x"),
            Check("streaming: added TTFT (median) < 300 us", subject.AddedTtftP50Us, v => v < 300, "us"),
            Check("streaming: added inter-frame p99 < 10 us", subject.AddedGapP99Us, v => v < 10, "us"),
            Check("streaming: >= 1,000 streams sustained", subject.StreamsSustained, v => v >= 1000, subject.MockBound == true ? "streams (mock-bound)" : "streams"),
            PeerThroughput(report, subject),
            Check("throughput at added p99 < 10 ms >= 80% of plain YARP's", subject.Rps10MsVsFloor, v => v >= 0.8, "x"),
            Check("idle RSS < 80 MiB", subject.IdleMiB, v => v < 80, "MiB"),
        };
        var target = report.Targets.First(t => t.Name == subject.Target);
        goals.Add(new GoalCheck(
            "RSS plateaus under load",
            subject.GrowthMiBPerMinute is { } growth
                ? (target.Memory?.TimeToPlateauSeconds is { } at
                    ? string.Create(CultureInfo.InvariantCulture, $"steady {subject.SteadyMiB} MiB after {at:0.#} s of load from a cold start ({growth:+0.0;-0.0} MiB/min over the last {report.Settings.MemoryPlateauWindow.TotalSeconds:0.#} s)")
                    : string.Create(CultureInfo.InvariantCulture, $"not steady after {report.Settings.MemoryCap.TotalSeconds:0.#} s: {growth:+0.0;-0.0} MiB/min over the last {report.Settings.MemoryPlateauWindow.TotalSeconds:0.#} s, at {subject.SteadyMiB} MiB"))
                : "not measured",
            target.Memory?.Plateau));
        // The reference board reads it at the end of its recovery window (60 s); the reading 6 s after is shown beside it.
        var back = subject.RecoveredMiB ?? subject.AfterMiB;
        goals.Add(new GoalCheck(
            "RSS back near idle after the load (within 25% or 20 MiB)",
            back is { } recovered && subject.IdleMiB is { } idle
                ? string.Create(CultureInfo.InvariantCulture, $"{recovered} MiB {(subject.RecoveredMiB is null ? "after" : $"{subject.RecoverySeconds:0} s after")} vs {idle} MiB idle")
                    + (subject.RecoveredMiB is not null && subject.AfterMiB is { } soon ? string.Create(CultureInfo.InvariantCulture, $"; {soon} MiB {report.Settings.MemoryAfter.TotalSeconds:0.#} s after") : "")
                    + (subject.LateMiB is { } late ? string.Create(CultureInfo.InvariantCulture, $"; {late} MiB at the end of the run") : "")
                : "not measured",
            back is { } b && subject.IdleMiB is { } i ? b - i <= Math.Max(20, 0.25 * i) : null));
        return goals;
    }

    private static GoalCheck PeerThroughput(BoardReport report, ComparisonRow subject)
    {
        const string Goal = "throughput at added p99 < 10 ms >= 20x the peer's";
        var peer = report.Comparison.FirstOrDefault(r => string.Equals(r.Target, report.Peer, StringComparison.OrdinalIgnoreCase));
        if (peer is { Available: true, Rps10Ms: null } && subject.Rps10Ms is { } rps)
        {
            // The peer never kept its added p99 under the bound: any qualifying throughput is an unbounded multiple of it.
            return new GoalCheck(Goal, string.Create(CultureInfo.InvariantCulture, $"peer: no step under the bound; subject {rps:0.#} req/s"), true);
        }

        return Check(Goal, subject.Rps10MsVsPeer, v => v >= 20, "x");
    }

    private static GoalCheck Check(string goal, double? value, Func<double, bool> met, string unit) =>
        new(goal, value is null ? "not measured" : string.Create(CultureInfo.InvariantCulture, $"{value:0.##} {unit}"), value is null ? null : met(value.Value));

    private static long? Diff(long? value, long? baseline) => value is null || baseline is null ? null : value - baseline;

    private static double? Ratio(double? value, double? baseline) =>
        value is null || baseline is null || baseline == 0 ? null : Math.Round(value.Value / baseline.Value, 3);

    private static double? Round(double? value) => value is null ? null : Math.Round(value.Value, 1);
}
