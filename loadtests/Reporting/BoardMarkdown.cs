using System.Globalization;
using System.Text;
using MassRouter.LoadTests.Board;
using MassRouter.LoadTests.Engine;

namespace MassRouter.LoadTests.Reporting;

/// <summary>The Markdown report of a side-by-side board run.</summary>
internal static class BoardMarkdown
{
    public static string Render(BoardReport report, IReadOnlyList<string> charts)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(charts);
        var m = report.Machine;
        var s = report.Settings;
        var text = new StringBuilder();
        text.AppendLine("# Gateway benchmark: side by side, one run").AppendLine();
        text.AppendLine(Invariant($"Taken {m.TakenUtc} on `{m.Host}`: {m.CpuModel}, {m.LogicalCores} logical cores (generator allowed {m.CoresAvailableToGenerator}), {m.Os} (kernel {m.Kernel}), {m.Runtime}, commit `{m.Commit}`, load average at start {m.LoadAverage1m}."));
        text.AppendLine(Invariant($"Profile `{s.Profile}`. Baselines: direct = `{report.Direct}`, floor = `{report.Floor}`; subject `{report.Subject}`; peer `{report.Peer ?? "none"}`."));
        if (report.Note is not null)
        {
            text.AppendLine().AppendLine("> " + report.Note);
        }

        if (report.Rig is { } rig)
        {
            text.AppendLine().AppendLine(Invariant(
                $"Rig check (from `{report.Direct}`): the mock's own p99 over its delay at concurrency 1 {Micros(rig.MockTailOverDelayUs)}, its streams' gap p99 over their pacing {Micros(rig.MockGapOverPacingUs)}."));
            foreach (var warning in rig.Warnings)
            {
                text.AppendLine().AppendLine("> **Noisy rig:** " + warning + ".");
            }
        }

        text.AppendLine().AppendLine("## Goals (subject against the in-run baselines)").AppendLine();
        var goals = new MarkdownTable("goal", "measured", "met");
        foreach (var goal in report.Goals)
        {
            goals.Row(goal.Goal, goal.Measured, goal.Met is null ? "n/a" : goal.Met.Value ? "yes" : "**no**");
        }

        text.Append(goals).AppendLine();
        text.AppendLine("## Comparison").AppendLine();
        text.AppendLine("Added figures are the target minus `direct` in this run; ratios are to the floor or the peer in this run.").AppendLine();
        var latency = new MarkdownTable("target", "p50 c=1 (us)", "p99 c=1 (us)", "added p50 (us)", "added p99 (us)", "CPU/req c=1 (us)", "CPU/req load (us)", "CPU vs floor");
        var throughput = new MarkdownTable("target", "rps @added p99<10ms", "vs floor", "vs peer", "rps unbounded");
        var streams = new MarkdownTable("target", "added TTFT p50 (us)", "added TTFT p99 (us)", "added gap p50 (us)", "added gap p99 (us)", "streams sustained", "frames/s there", "mock-bound");
        var memory = new MarkdownTable("target", "idle RSS (MiB)", "steady RSS (MiB)", "growth (MiB/min)", "RSS 6 s after (MiB)", "RSS recovered (MiB, s after)", "RSS at the end of the run (MiB, s after its last load)");
        var translation = new MarkdownTable("target", "translation lane", "added p99 c=1 (us)", "rps @added p99<10ms", "vs its passthrough", "rps unbounded", "gap p99 vs passthrough (us)");
        foreach (var r in report.Comparison)
        {
            if (!r.Available)
            {
                latency.Row(r.Target, "not available: " + r.Translation, null, null, null, null, null, null);
                continue;
            }

            latency.Row(r.Target, r.P50Us, r.P99Us, r.AddedP50Us, r.AddedP99Us, r.CpuUsPerRequestC1, r.CpuUsPerRequestLoad, r.CpuLoadVsFloor);
            throughput.Row(r.Target, r.Rps10Ms, r.Rps10MsVsFloor, r.Rps10MsVsPeer, r.RpsUnbounded);
            streams.Row(
                r.Target, r.AddedTtftP50Us, r.AddedTtftP99Us, r.AddedGapP50Us, r.AddedGapP99Us,
                r.StreamsSustained is { } n ? (r.StreamsCeilingReached == true ? "≥ " : string.Empty) + n.ToString(CultureInfo.InvariantCulture) : null,
                r.StreamsFramesPerSecond, r.MockBound);
            memory.Row(r.Target, r.IdleMiB, r.SteadyMiB, r.GrowthMiBPerMinute, r.AfterMiB, r.RecoveredMiB is { } recovered ? Invariant($"{recovered} ({r.RecoverySeconds:0} s)") : null, r.LateMiB is { } late ? Invariant($"{late} ({r.LateAfterSeconds:0} s)") : null);
            if (r.Translation is not null)
            {
                translation.Row(r.Target, r.Translation, r.TranslationAddedP99Us, r.TranslationRps10Ms, r.TranslationRps10MsVsPassthrough, r.TranslationRpsUnbounded, r.TranslationGapP99VsPassthroughUs);
            }
        }

        text.AppendLine("### Added latency and CPU").AppendLine().Append(latency).AppendLine();
        text.AppendLine("### Throughput frontier").AppendLine().Append(throughput).AppendLine();
        text.AppendLine("### Streaming").AppendLine().Append(streams).AppendLine();
        text.AppendLine("### Memory").AppendLine().Append(memory).AppendLine();
        text.AppendLine("### Translation lane (/v1/messages against the OpenAI-format mock)").AppendLine();
        text.AppendLine("Added p99 is against direct's chat completions; the frontier ran in the same interleaved rounds as the passthrough one.").AppendLine();
        text.Append(translation).AppendLine();

        text.AppendLine("## Full frontier sweeps").AppendLine();
        var bounds = s.BoundsMs.Select(BoardRunner.BoundName).ToArray();
        var best = new MarkdownTable(["target", .. bounds.Select(b => "best rps, added p99 < " + b)]);
        foreach (var t in report.Targets.Where(t => t.Available))
        {
            best.Row([t.Name, .. bounds.Select(b => (object?)t.FrontierBest.GetValueOrDefault(b))]);
            if (t.Translation is { Measured: true } lane)
            {
                best.Row([t.Name + " /v1/messages", .. bounds.Select(b => (object?)lane.FrontierBest.GetValueOrDefault(b))]);
            }
        }

        text.Append(best).AppendLine();
        var sweep = new MarkdownTable("target", "step", "rps", "ok", "failed", "p50 (us)", "p99 (us)", "p99.9 (us)", "target CPU (cores)");
        foreach (var t in report.Targets.Where(t => t.Available))
        {
            foreach (var step in t.Translation is { Measured: true } lane ? [.. t.Frontier, .. lane.Frontier] : t.Frontier)
            {
                sweep.Row(t.Name, step.Name, step.Rps, step.Ok, step.Failed, step.Latency.P50Us, step.Latency.P99Us, step.Latency.P999Us, step.CpuCores);
            }
        }

        text.Append(sweep).AppendLine();
        text.AppendLine("## Stream sweeps").AppendLine();
        var streamSweep = new MarkdownTable("target", "step", "streams ok", "failed", "stalls", "frames/s", "TTFT p50 (us)", "TTFT p99 (us)", "gap p50 (us)", "gap p99 (us)", "last error");
        foreach (var t in report.Targets.Where(t => t.Available))
        {
            IEnumerable<PhaseResult> steps = t.StreamLatency is null ? t.StreamSweep : [t.StreamLatency, .. t.StreamSweep];
            foreach (var step in steps.Concat(t.StreamSweepRetried).OrderBy(p => p.Concurrency).ThenBy(p => p.Name, StringComparer.Ordinal))
            {
                streamSweep.Row(t.Name, step.Name, step.Ok, step.Failed, step.Stalls, step.FramesPerSecond, step.Ttft.P50Us, step.Ttft.P99Us, step.Gap.P50Us, step.Gap.P99Us, step.LastError);
            }
        }

        text.Append(streamSweep).AppendLine();
        text.AppendLine("## Charts").AppendLine();
        foreach (var chart in charts)
        {
            text.AppendLine($"![{chart}]({chart})").AppendLine();
        }

        text.AppendLine("## Method").AppendLine();
        text.AppendLine(Invariant($"- Added latency: closed model, 1 in flight, zero-delay mock, non-streaming, {s.LatencyWarmup.TotalSeconds:0.#} s warm-up then {s.LatencyDuration.TotalSeconds:0.#} s measured, in {s.LatencyRounds} round(s) interleaved across the targets (the round with the median p99 is reported; every round is in results.json); p99 of the target minus p99 direct. The streaming c=1 phase runs the same way in {s.StreamRounds} round(s), the median by gap p99 reported."));
        text.AppendLine(Invariant($"- Frontier: the mock answers after {s.FrontierDelayMs} ms; concurrency {string.Join(", ", s.FrontierConcurrency)}; {s.FrontierWarmup.TotalSeconds:0.#} s warm-up and {s.FrontierStep.TotalSeconds:0.#} s per step, each step run on every target in turn, {s.FrontierRounds} round(s) of the whole sweep, each step's median round by p99 reported (a failed round counts as the worst; every round is in results.json); best requests/s whose added p99 (p99 minus the mock's {s.FrontierDelayMs} ms) stayed under each bound with no failed request."));
        text.AppendLine(Invariant($"- Streaming: role chunk, {s.StreamTokens} content deltas {s.StreamIntervalMs} ms apart, finish, [DONE]. TTFT counts to the first content frame, from short streams at concurrency 1 (role chunk, 2 content deltas {s.StreamIntervalMs} ms apart; interleaved rounds like the added latency, the round with the median TTFT p50 reported); the inter-frame gap from the long streams. Streams sustained: concurrency {string.Join(", ", s.StreamConcurrency)} ({s.StreamStep.TotalSeconds:0.#} s each, starts staggered over one stream length); a step passes when every content frame and [DONE] arrive, no gap exceeds {10 * s.StreamIntervalMs} ms and errors stay under 0.1%, in one of {s.StreamStepAttempts} attempt(s) (a failed attempt is run again, on every target alike: one pause of the rig's core stalls every stream in flight; all attempts are listed below). Mock-bound: direct sustained at most 10% more."));
        text.AppendLine(Invariant($"- Memory: a cell of its own on the cold process, as the reference board cold-starts each gateway for it: the first thing each target serves. RSS (/proc/PID/status VmRSS) before the target's first request, sampled every 250 ms under {s.MemoryConcurrency} in flight on the {s.FrontierDelayMs} ms mock in legs of {s.MemoryLeg.TotalSeconds:0.#} s until it plateaus (the reference's test over a trailing {s.MemoryPlateauWindow.TotalSeconds:0.#} s window: second half's mean within 1% of the first's, max - min under 2% of the mean) or for at most {s.MemoryCap.TotalSeconds:0.#} s (steady = mean and growth = slope over that window) from a client of its own that closes its connections when the load stops (as a load generator that exits), {s.MemoryAfter.TotalSeconds:0.#} s after the load, at the end of the recovery window ({s.MemoryRecovery.TotalSeconds:0.#} s after: the goal's reading, the reference's post-load settle), and once more at the end of the run, after every phase."));
        text.AppendLine(Invariant($"- Translation lane: an Anthropic-format client (/v1/messages, the same 16-token answer) against the OpenAI-format mock, on targets that serve it: added p99 at concurrency 1 as above (against direct's chat completions), the frontier as above, and a concurrency-1 stream whose gap p99 is compared with the target's passthrough stream; each in the same interleaved rounds as its passthrough counterpart, right after the target's passthrough phase, the median round reported."));
        text.AppendLine(Invariant($"- CPU per request: utime+stime of the target process (/proc/PID/stat) over the measured window divided by the requests started in it: at concurrency 1, and under the same fixed load ({s.MemoryConcurrency} in flight, {s.MemoryDuration.TotalSeconds:0.#} s) run again on the warm process after the sweeps."));
        return text.ToString();
    }

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Micros(long? value) => value is { } us ? Invariant($"{us} us") : "not measured";
}
