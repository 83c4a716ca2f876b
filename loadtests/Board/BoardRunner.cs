using System.Diagnostics;
using System.Globalization;
using MassRouter.LoadTests.Engine;
using MassRouter.LoadTests.Targets;

namespace MassRouter.LoadTests.Board;

/// <summary>
/// Runs the board methodology (github.com/GetBusbar/benchmarking) against each target in turn: memory (first, on the cold
/// process), added latency at concurrency 1, the throughput frontier, streaming latency and streams sustained, CPU under a
/// fixed load, and the translation lane.
/// </summary>
internal sealed class BoardRunner
{
    /// <summary>A translation lane's status once the gateway answered its probe.</summary>
    public const string Measured = "measured";

    private readonly HttpClient _client;
    private readonly BoardSettings _settings;
    private readonly TextWriter _log;

    public BoardRunner(HttpClient client, BoardSettings settings, TextWriter log)
    {
        _client = client;
        _settings = settings;
        // The memory cells' recovery readings log from the background, beside the phases.
        _log = TextWriter.Synchronized(log);
    }

    /// <summary>
    /// Runs every target. Idle RSS is read for all targets before any request, and the memory cell runs first, target by
    /// target; the concurrency-1 phases, the most sensitive to noise from other work on the machine, run in interleaved
    /// rounds (target A, B, C, then again) and the median round is reported; the sweeps then run target by target.
    /// </summary>
    public async Task<List<TargetResult>> RunAllAsync(IReadOnlyList<(TargetSpec Target, bool Translation)> targets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var s = _settings;
        var results = targets.Select(t => new TargetResult { Name = t.Target.Name, Url = t.Target.BaseUrl.ToString(), Version = t.Target.Version }).ToList();
        var idle = targets.Select(t => ProcessProbe.RssMiB(t.Target.Pid)).ToList();
        for (var i = 0; i < targets.Count; i++)
        {
            var target = targets[i].Target;
            var reason = target.Unavailable
                ?? await ProbeAsync(RequestTemplate.Chat(target, "chat", new ChatShape { Tokens = 16 }), cancellationToken);
            results[i].Available = reason is null;
            results[i].Reason = reason;
            if (reason is not null)
            {
                _log.WriteLine($"[{target.Name}] not available: {reason}");
            }
        }

        var available = Enumerable.Range(0, targets.Count).Where(i => results[i].Available).ToList();
        var loadEnded = new long[targets.Count];

        // The memory cell first, while every target is cold (the reference board cold-starts each gateway for it): a
        // history of sweeps (thousands of connections, every path compiled) is not what "after the load" asks about.
        // Each target's recovery reading is taken in the background while the next targets run their cells.
        var recoveries = new List<Task>();
        foreach (var i in available)
        {
            recoveries.Add(await MemoryCellAsync(targets[i].Target, results[i], idle[i], cancellationToken));
        }

        await Task.WhenAll(recoveries);
        if (s.TargetWarmup > TimeSpan.Zero)
        {
            foreach (var i in available)
            {
                var target = targets[i].Target;
                var zeroDelay = Workload.Single(RequestTemplate.Chat(target, "chat", new ChatShape { Tokens = 16 }));
                _ = await Phase(target, "warm-up c=4", zeroDelay, 4, TimeSpan.Zero, s.TargetWarmup, cancellationToken);
            }
        }

        // The translation lane is probed here, after the memory cells (a cold process serves nothing else first), so
        // that its phases run in the same interleaved rounds as the passthrough ones, each right after the target's
        // passthrough phase: compared with it, they meet the same noise.
        foreach (var i in available.Where(i => targets[i].Translation))
        {
            results[i].Translation = await ProbeTranslationAsync(targets[i].Target, cancellationToken);
        }

        var latencyRounds = available.ToDictionary(i => i, _ => new List<PhaseResult>());
        var streamRounds = available.ToDictionary(i => i, _ => new List<PhaseResult>());
        var ttftRounds = available.ToDictionary(i => i, _ => new List<PhaseResult>());
        for (var round = 1; round <= s.LatencyRounds; round++)
        {
            foreach (var i in available)
            {
                var target = targets[i].Target;
                var zeroDelay = Workload.Single(RequestTemplate.Chat(target, "chat", new ChatShape { Tokens = 16 }));
                latencyRounds[i].Add(await Phase(target, $"added-latency c=1 #{round}", zeroDelay, 1, s.LatencyWarmup, s.LatencyDuration, cancellationToken));
                if (results[i].Translation is { Measured: true } translation)
                {
                    translation.LatencyRounds.Add(await Phase(
                        target, $"translation c=1 #{round}", TranslatedWorkload(target), 1, s.LatencyWarmup, s.LatencyDuration, cancellationToken));
                }
            }

            // Time to first content frame, from many short streams: a 64-frame stream yields one first frame per
            // 1.3 s, too few for a median that means anything.
            foreach (var i in available)
            {
                var target = targets[i].Target;
                ttftRounds[i].Add(await PhaseAsync(
                    new LoadPhase
                    {
                        Name = $"ttft c=1 #{round}", Workload = TtftWorkload(target), Concurrency = 1,
                        Warmup = s.LatencyWarmup, Duration = s.LatencyDuration, StallThreshold = StallThreshold, Pid = target.Pid,
                    },
                    target,
                    cancellationToken));
            }
        }

        for (var round = 1; round <= s.StreamRounds; round++)
        {
            foreach (var i in available)
            {
                var target = targets[i].Target;
                streamRounds[i].Add(await StreamPhaseAsync(target, $"stream c=1 #{round}", StreamWorkload(target), cancellationToken));
                if (results[i].Translation is { Measured: true } translation)
                {
                    translation.StreamRounds.Add(await StreamPhaseAsync(target, $"translation stream c=1 #{round}", TranslatedStreamWorkload(target), cancellationToken));
                }
            }
        }

        await RunFrontierAsync(targets, results, available, cancellationToken);

        foreach (var i in available)
        {
            var result = results[i];
            result.AddedLatencyRounds.AddRange(latencyRounds[i]);
            result.AddedLatency = MedianBy(latencyRounds[i], p => p.Latency.P99Us);
            result.TtftRounds.AddRange(ttftRounds[i]);
            result.Ttft = MedianBy(ttftRounds[i], p => p.Ttft.P50Us);
            result.StreamLatencyRounds.AddRange(streamRounds[i]);
            result.StreamLatency = MedianBy(streamRounds[i], p => p.Gap.P99Us);
            if (result.Translation is { Measured: true } translation)
            {
                translation.Latency = MedianBy(translation.LatencyRounds, p => p.Latency.P99Us);
                translation.Stream = MedianBy(translation.StreamRounds, p => p.Gap.P99Us);
            }

            await RunSweepsAsync(targets[i].Target, result, cancellationToken);
            loadEnded[i] = Stopwatch.GetTimestamp();
        }

        await ReadLateMemoryAsync(targets, results, loadEnded, cancellationToken);
        return results;
    }

    /// <summary>Reads every measured target's RSS once more at the end of the run, at least <see cref="BoardSettings.MemoryLate"/> after its last load.</summary>
    private async Task ReadLateMemoryAsync(IReadOnlyList<(TargetSpec Target, bool Translation)> targets, List<TargetResult> results, long[] loadEnded, CancellationToken cancellationToken)
    {
        var measured = Enumerable.Range(0, targets.Count).Where(i => loadEnded[i] != 0 && results[i].Memory is not null).ToList();
        if (measured.Count == 0)
        {
            return;
        }

        var wait = _settings.MemoryLate - Stopwatch.GetElapsedTime(measured.Max(i => loadEnded[i]));
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken);
        }

        foreach (var i in measured)
        {
            if (ProcessProbe.RssMiB(targets[i].Target.Pid) is { } rss)
            {
                results[i].Memory = results[i].Memory! with
                {
                    LateMiB = Math.Round(rss, 1),
                    LateAfterSeconds = Math.Round(Stopwatch.GetElapsedTime(loadEnded[i]).TotalSeconds),
                };
            }
        }
    }

    private TimeSpan StallThreshold => TimeSpan.FromMilliseconds(10 * _settings.StreamIntervalMs);

    /// <summary>Non-streaming requests the mock answers after the frontier's delay (the frontier, memory and fixed loads).</summary>
    private Workload DelayedWorkload(TargetSpec target) => Workload.Single(RequestTemplate.Chat(
        target, "chat-20ms", new ChatShape { Tokens = 16, TimeToFirstTokenMs = _settings.FrontierDelayMs }));

    private Workload StreamWorkload(TargetSpec target) => Workload.Single(RequestTemplate.Chat(
        target, "stream", new ChatShape { Stream = true, Tokens = _settings.StreamTokens, InterTokenMs = _settings.StreamIntervalMs }));

    private Workload TtftWorkload(TargetSpec target) => Workload.Single(RequestTemplate.Chat(
        target, "stream-short", new ChatShape { Stream = true, Tokens = 2, InterTokenMs = _settings.StreamIntervalMs }));

    /// <summary>
    /// Runs one streams-sustained step up to <paramref name="attempts"/> times, until an attempt passes: every stream got
    /// all its frames, none stalled, errors under 0.1%. Failed attempts that were run again go to <paramref name="retried"/>.
    /// </summary>
    internal static async Task<(PhaseResult Step, bool Passed)> StreamStepAsync(
        Func<int, Task<PhaseResult>> run, int attempts, List<PhaseResult> retried, Action<PhaseResult> onRetry)
    {
        for (var attempt = 1; ; attempt++)
        {
            var step = await run(attempt);
            var passed = step.Ok > 0 && step.Stalls == 0 && step.ErrorRate < 0.001;
            if (passed || attempt >= attempts)
            {
                return (step, passed);
            }

            retried.Add(step);
            onRetry(step);
        }
    }

    private static PhaseResult MedianBy(List<PhaseResult> rounds, Func<PhaseResult, long> key) =>
        rounds.OrderBy(key).ElementAt(rounds.Count / 2);

    /// <summary>
    /// The throughput frontier, interleaved: each concurrency step runs on every lane in turn (target A, A's translation
    /// lane, B, then the next step), and the whole sweep <see cref="BoardSettings.FrontierRounds"/> times; each step
    /// reports its median round by p99 (a failed or missing round counting as the worst). A burst of noise on the machine
    /// then hits every lane at about the same step instead of one lane's whole sweep, and one noisy step does not decide a
    /// bound.
    /// </summary>
    private async Task RunFrontierAsync(
        IReadOnlyList<(TargetSpec Target, bool Translation)> targets, List<TargetResult> results, List<int> available, CancellationToken cancellationToken)
    {
        var s = _settings;
        var lanes = new List<FrontierLane>();
        foreach (var i in available)
        {
            var target = targets[i].Target;
            var result = results[i];
            lanes.Add(new FrontierLane(target, "frontier", DelayedWorkload(target), result.FrontierRounds, result.Frontier, result.FrontierBest));
            if (result.Translation is { Measured: true } translation)
            {
                lanes.Add(new FrontierLane(
                    target, "translation frontier", TranslatedDelayedWorkload(target), translation.FrontierRounds, translation.Frontier, translation.FrontierBest));
            }
        }

        var rounds = Math.Max(1, s.FrontierRounds);
        for (var round = 1; round <= rounds; round++)
        {
            var swept = lanes.ToList();
            var steps = lanes.ToDictionary(lane => lane, _ => new List<PhaseResult>());
            foreach (var concurrency in s.FrontierConcurrency)
            {
                foreach (var lane in swept.ToList())
                {
                    var name = rounds == 1 ? $"{lane.Label} c={concurrency}" : $"{lane.Label} c={concurrency} #{round}";
                    var step = await Phase(lane.Target, name, lane.Workload, concurrency, s.FrontierWarmup, s.FrontierStep, cancellationToken);
                    steps[lane].Add(step);
                    if (step.Failed > 0 && step.ErrorRate > 0.5)
                    {
                        swept.Remove(lane);
                    }
                }
            }

            foreach (var lane in lanes)
            {
                lane.Rounds.Add(steps[lane]);
            }
        }

        foreach (var lane in lanes)
        {
            lane.Frontier.AddRange(MedianSteps(lane.Rounds));
            foreach (var bound in s.BoundsMs)
            {
                lane.Best[BoundName(bound)] = BestUnder(lane.Frontier, bound, s.FrontierDelayMs);
            }
        }
    }

    /// <summary>
    /// The highest requests/s among <paramref name="steps"/> with no failed request whose added tail stayed under
    /// <paramref name="boundMs"/>; null when no step qualified.
    /// </summary>
    internal static double? BestUnder(IEnumerable<PhaseResult> steps, double boundMs, int mockDelayMs)
    {
        double? best = null;
        foreach (var step in steps)
        {
            // The bound applies to the tail the target adds: p99 minus the mock's fixed answer delay (a 1 ms bound on a
            // 20 ms mock would otherwise be unreachable by construction).
            var addedP99Us = step.Latency.P99Us - (mockDelayMs * 1000L);
            if (step.Failed == 0 && step.Ok > 0 && addedP99Us < boundMs * 1000 && (best is null || step.Rps > best))
            {
                best = step.Rps;
            }
        }

        return best;
    }

    /// <summary>
    /// The frontier's steps, each the median of its rounds by p99 with a failed round, or one that stopped before the
    /// step, counted as the worst; the sweep ends at the first step whose median round is missing.
    /// </summary>
    internal static List<PhaseResult> MedianSteps(List<List<PhaseResult>> rounds)
    {
        var merged = new List<PhaseResult>();
        for (var k = 0; rounds.Count > 0; k++)
        {
            var present = rounds.Where(r => r.Count > k).Select(r => r[k]).OrderBy(step => step.Failed > 0 ? long.MaxValue : step.Latency.P99Us).ToList();
            var median = rounds.Count / 2;
            if (median >= present.Count)
            {
                break;
            }

            merged.Add(present[median]);
        }

        return merged;
    }

    private async Task RunSweepsAsync(TargetSpec target, TargetResult result, CancellationToken cancellationToken)
    {
        var s = _settings;
        var delayed = DelayedWorkload(target);
        var stream = StreamWorkload(target);
        var stall = StallThreshold;
        var sustained = 0;
        double sustainedFps = 0;
        var ceiling = false;
        var streamLength = TimeSpan.FromMilliseconds(s.StreamTokens * s.StreamIntervalMs);
        foreach (var concurrency in s.StreamConcurrency)
        {
            var (step, passed) = await StreamStepAsync(
                attempt => PhaseAsync(
                    new LoadPhase
                    {
                        Name = attempt == 1 ? $"streams c={concurrency}" : $"streams c={concurrency} attempt {attempt}", Workload = stream,
                        Concurrency = concurrency, Warmup = streamLength, StartStagger = streamLength, Duration = s.StreamStep, StallThreshold = stall,
                        Pid = target.Pid,
                    },
                    target,
                    cancellationToken),
                s.StreamStepAttempts,
                result.StreamSweepRetried,
                failed => _log.WriteLine($"[{target.Name}] {failed.Name} failed ({failed.Stalls} stalls, {failed.Failed} failed); running it again"));
            result.StreamSweep.Add(step);
            if (!passed)
            {
                break;
            }

            sustained = concurrency;
            sustainedFps = step.FramesPerSecond;
            ceiling = concurrency == s.StreamConcurrency[^1];
        }

        result.Streams = new StreamSweepResult(sustained, sustainedFps, ceiling);

        // The memory cell's load again, on the warm process: CPU per request under a fixed load. No /metrics scraping
        // here: rendering it would be CPU charged to the target's requests (the soak scenario scrapes).
        result.FixedLoad = await Phase(target, $"fixed load c={s.MemoryConcurrency}", delayed, s.MemoryConcurrency, TimeSpan.Zero, s.MemoryDuration, cancellationToken);
    }

    /// <summary>
    /// Runs the memory cell: the fixed load from a client of its own, in legs until the RSS plateaus (or the cap), the
    /// client closed when the load stops (as a load generator that exits), RSS <see cref="BoardSettings.MemoryAfter"/>
    /// after it; returns the task that reads it again at the end of the recovery window.
    /// </summary>
    private async Task<Task> MemoryCellAsync(TargetSpec target, TargetResult result, double? idle, CancellationToken cancellationToken)
    {
        var s = _settings;
        var delayed = DelayedWorkload(target);
        var began = Stopwatch.GetTimestamp();
        double? plateauAt = null;
        using (var client = Cli.LoadTestClient.Create())
        {
            while (Stopwatch.GetElapsedTime(began) < s.MemoryCap)
            {
                var offset = Stopwatch.GetElapsedTime(began).TotalSeconds;
                var leg = await PhaseAsync(
                    client,
                    new LoadPhase
                    {
                        Name = $"memory c={s.MemoryConcurrency} #{result.MemoryLegs.Count + 1}", Workload = delayed, Concurrency = s.MemoryConcurrency,
                        Warmup = TimeSpan.Zero, Duration = s.MemoryLeg, Pid = target.Pid, SampleInterval = TimeSpan.FromMilliseconds(250),
                    },
                    target,
                    cancellationToken);
                result.MemoryLegs.Add(leg);
                result.MemorySamples.AddRange(leg.Resources.Select(r => r with { Second = Math.Round(offset + r.Second, 3) }));
                if (Plateau(result.MemorySamples, s.MemoryPlateauWindow.TotalSeconds))
                {
                    plateauAt = Math.Round(Stopwatch.GetElapsedTime(began).TotalSeconds, 1);
                    break;
                }
            }
        }

        var ended = Stopwatch.GetTimestamp();
        await Task.Delay(s.MemoryAfter, cancellationToken);
        result.Memory = Memory(idle, result.MemorySamples, s.MemoryPlateauWindow.TotalSeconds, plateauAt, ProcessProbe.RssMiB(target.Pid));
        return RecoveredAsync();

        async Task RecoveredAsync()
        {
            var wait = s.MemoryRecovery - Stopwatch.GetElapsedTime(ended);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            if (ProcessProbe.RssMiB(target.Pid) is { } rss)
            {
                result.Memory = result.Memory! with { RecoveredMiB = Math.Round(rss, 1), RecoverySeconds = Math.Round(Stopwatch.GetElapsedTime(ended).TotalSeconds) };
                _log.WriteLine(FormattableString.Invariant($"[{target.Name}] RSS {result.Memory.RecoveredMiB} MiB {result.Memory.RecoverySeconds:0} s after the memory load (idle {idle:0.0}, {s.MemoryAfter.TotalSeconds:0.#} s after {result.Memory.AfterMiB}, plateau {(plateauAt is { } at ? FormattableString.Invariant($"at {at} s") : "not reached")})"));
            }
        }
    }

    /// <summary>
    /// The reference board's plateau test over the trailing window: the second half's mean RSS exceeds the first half's by
    /// less than 1% of the window's mean (no upward trend), and max minus min stays under 2% of it (not merely oscillating).
    /// </summary>
    internal static bool Plateau(IReadOnlyList<ResourceSample> samples, double windowSeconds)
    {
        var window = Trailing(samples, windowSeconds);
        if (window.Count < 4 || samples[^1].Second - samples[0].Second < windowSeconds)
        {
            return false;
        }

        var mean = window.Average();
        var half = window.Count / 2;
        var trend = window.Skip(half).Average() - window.Take(half).Average();
        return trend < 0.01 * mean && window.Max() - window.Min() < 0.02 * mean;
    }

    private static List<double> Trailing(IReadOnlyList<ResourceSample> samples, double windowSeconds)
    {
        var rss = samples.Where(r => r.RssMiB is not null).ToList();
        if (rss.Count == 0)
        {
            return [];
        }

        var from = rss[^1].Second - windowSeconds;
        return rss.Where(r => r.Second >= from).Select(r => r.RssMiB!.Value).ToList();
    }

    public static string BoundName(double boundMs) =>
        double.IsPositiveInfinity(boundMs) ? "inf" : boundMs.ToString(CultureInfo.InvariantCulture) + "ms";

    private async Task<TranslationResult> ProbeTranslationAsync(TargetSpec target, CancellationToken cancellationToken)
    {
        var status = await Probe.StatusAsync(_client, TranslatedWorkload(target).Templates[0], cancellationToken);
        if (status == 200)
        {
            return new TranslationResult { Status = Measured };
        }

        var reason = status == 404 ? "not available (the gateway answers 404 on /v1/messages)" : $"not available (HTTP {status} on /v1/messages)";
        _log.WriteLine($"[{target.Name}] translation lane {reason}");
        return new TranslationResult { Status = reason };
    }

    /// <summary>A concurrency-1 phase of long streams (one stream length of warm-up).</summary>
    private Task<PhaseResult> StreamPhaseAsync(TargetSpec target, string name, Workload workload, CancellationToken cancellationToken) =>
        PhaseAsync(
            new LoadPhase
            {
                Name = name, Workload = workload, Concurrency = 1, Warmup = TimeSpan.FromMilliseconds(_settings.StreamTokens * _settings.StreamIntervalMs),
                Duration = _settings.StreamLatencyDuration, StallThreshold = StallThreshold, Pid = target.Pid,
            },
            target,
            cancellationToken);

    /// <summary>The passthrough stream's shape on <c>/v1/messages</c>.</summary>
    private Workload TranslatedStreamWorkload(TargetSpec target) => Workload.Single(RequestTemplate.Chat(
        target, "messages-stream", new ChatShape { Stream = true, Messages = true, Tokens = _settings.StreamTokens, InterTokenMs = _settings.StreamIntervalMs }));

    private static Workload TranslatedWorkload(TargetSpec target) =>
        Workload.Single(RequestTemplate.Chat(target, "messages", new ChatShape { Tokens = 16, Messages = true }));

    /// <summary>The frontier's request on <c>/v1/messages</c>: the same mock delay and answer as <see cref="DelayedWorkload"/>.</summary>
    private Workload TranslatedDelayedWorkload(TargetSpec target) => Workload.Single(RequestTemplate.Chat(
        target, "messages-20ms", new ChatShape { Tokens = 16, Messages = true, TimeToFirstTokenMs = _settings.FrontierDelayMs }));

    private Task<PhaseResult> Phase(
        TargetSpec target, string name, Workload workload, int concurrency, TimeSpan warmup, TimeSpan duration, CancellationToken cancellationToken) =>
        PhaseAsync(
            new LoadPhase { Name = name, Workload = workload, Concurrency = concurrency, Warmup = warmup, Duration = duration, Pid = target.Pid },
            target,
            cancellationToken);

    private Task<PhaseResult> PhaseAsync(LoadPhase phase, TargetSpec target, CancellationToken cancellationToken) =>
        PhaseAsync(_client, phase, target, cancellationToken);

    private async Task<PhaseResult> PhaseAsync(HttpClient client, LoadPhase phase, TargetSpec target, CancellationToken cancellationToken)
    {
        var result = await PhaseRunner.RunAsync(client, phase, cancellationToken);
        _log.WriteLine(FormattableString.Invariant($"[{target.Name}] {result.Name,-22} rps {result.Rps,9:F1}  ok {result.Ok,7}  failed {result.Failed,5}  p50 {result.Latency.P50Us,8} us  p99 {result.Latency.P99Us,8} us")
            + (result.Ttft.Count > 0 ? FormattableString.Invariant($"  ttft p50 {result.Ttft.P50Us} us  gap p99 {result.Gap.P99Us} us  stalls {result.Stalls}") : string.Empty)
            + (result.CpuUsPerRequest is { } cpu ? FormattableString.Invariant($"  cpu {cpu:F0} us/req") : string.Empty)
            + (result.LastError is { } error ? FormattableString.Invariant($"  last error: {error}") : string.Empty));
        return result;
    }

    private async Task<string?> ProbeAsync(RequestTemplate template, CancellationToken cancellationToken)
    {
        try
        {
            var status = await Probe.StatusAsync(_client, template, cancellationToken);
            return status == 200 ? null : $"probe request answered HTTP {status}";
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return "probe request failed: " + ex.Message;
        }
    }

    private static MemoryResult Memory(double? idle, IReadOnlyList<ResourceSample> samples, double windowSeconds, double? plateauAt, double? after)
    {
        var rss = samples.Where(r => r.RssMiB is not null).ToList();
        var afterRounded = after is null ? null : (double?)Math.Round(after.Value, 1);
        if (rss.Count < 2)
        {
            return new MemoryResult(idle, rss.FirstOrDefault()?.RssMiB, null, null, afterRounded);
        }

        // Steady and growth over the plateau test's trailing window (where the load stopped).
        var from = rss[^1].Second - windowSeconds;
        var window = rss.Where(r => r.Second >= from).ToList();
        var steady = window.Average(r => r.RssMiB!.Value);
        var slope = Slope(window.Select(r => r.Second).ToList(), window.Select(r => r.RssMiB!.Value).ToList()) * 60;
        return new MemoryResult(idle, Math.Round(steady, 1), Math.Round(slope, 2), plateauAt is not null, afterRounded) { TimeToPlateauSeconds = plateauAt };
    }

    private static double Slope(List<double> x, List<double> y)
    {
        var mx = x.Average();
        var my = y.Average();
        double num = 0, den = 0;
        for (var i = 0; i < x.Count; i++)
        {
            num += (x[i] - mx) * (y[i] - my);
            den += (x[i] - mx) * (x[i] - mx);
        }

        return den == 0 ? 0 : num / den;
    }

    /// <summary>One sweep of the frontier: a target's chat completions, or its translation lane; results go where it points.</summary>
    private sealed record FrontierLane(
        TargetSpec Target, string Label, Workload Workload, List<List<PhaseResult>> Rounds, List<PhaseResult> Frontier, Dictionary<string, double?> Best);
}
