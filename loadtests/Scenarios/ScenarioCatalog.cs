using System.Globalization;
using MassRouter.LoadTests.Engine;
using MassRouter.LoadTests.Targets;

namespace MassRouter.LoadTests.Scenarios;

/// <summary>The load-tester scenarios of loadtests/README.md, each with sane defaults and a smoke variant.</summary>
internal static class ScenarioCatalog
{
    public static IReadOnlyList<ScenarioDefinition> All { get; } =
    [
        new("steady", "Steady mixed workload: 70% streaming, spread over several models, fixed concurrency.", Steady),
        new("ramp", "Open-model ramp of the arrival rate to find the knee (where p99 or errors break away).", Ramp, ConcludeRamp),
        new("spike", "Open-model spike: a base rate, ten times that for a fifth of the run, then back; reports recovery.", Spike, ConcludeSpike),
        new("soak", "Long steady mixed load reporting RSS, managed heap and GC counts over time.", Soak, ConcludeSoak),
        new("faults", "Upstream fault injection: 20% of upstream calls fail (HTTP 503 or a mid-stream error).", Faults, ConcludeFaults),
        new("failover", "20% of upstream calls fail before the first byte (429/500/503/529); with a healthy fallback deployment clients should see (almost) none, and never a spliced stream.", Failover, ConcludeFailover),
        new("ratelimit", "Multi-key rate-limit pressure: several API keys hammer the gateway; reports 429 shares per key.", RateLimit, ConcludeRateLimit),
        new("translation", "Anthropic-format clients (/v1/messages) against an OpenAI upstream.", Translation),
        new("responses", "Coding-agent traffic: streamed OpenAI Responses requests (instructions, a function tool) on /v1/responses; TTFT and gaps as on chat.", Responses),
        new("embeddings", "RAG ingestion: batches of 256 texts to /v1/embeddings (answers of about 4 MB each); reports throughput and RSS over time.", Embeddings, ConcludeEmbeddings),
    ];

    public static ScenarioDefinition? Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>A realistic mix: per model, 70% streams (50 ms to first token, 10 ms pacing) and 30% whole answers.</summary>
    public static Workload Mixed(TargetSpec target, ScenarioOptions options)
    {
        var models = options.Models.Count > 0 ? options.Models : [target.Model];
        var entries = new List<(RequestTemplate, int)>();
        foreach (var model in models)
        {
            var stream = options.Smoke
                ? new ChatShape { Stream = true, Tokens = 4, TimeToFirstTokenMs = 1, InterTokenMs = 1, Model = model }
                : new ChatShape { Stream = true, Tokens = 32, TimeToFirstTokenMs = 50, InterTokenMs = 10, Model = model };
            var whole = stream with { Stream = false };
            entries.Add((RequestTemplate.Chat(target, model + " stream", stream), 70));
            entries.Add((RequestTemplate.Chat(target, model + " whole", whole), 30));
        }

        return new Workload([.. entries]);
    }

    private static TimeSpan Duration(ScenarioOptions o, double seconds) =>
        o.Duration ?? TimeSpan.FromSeconds(o.Smoke ? Math.Min(seconds, 1.5) : seconds);

    private static TimeSpan Warmup(ScenarioOptions o, double seconds) => o.Warmup ?? (o.Smoke ? TimeSpan.Zero : TimeSpan.FromSeconds(seconds));

    private static int Concurrency(ScenarioOptions o, int value) => o.Concurrency ?? (o.Smoke ? 4 : value);

    private static ChatShape Delayed(ScenarioOptions o) => new() { Tokens = 16, TimeToFirstTokenMs = o.Smoke ? 1 : 20 };

    private static IReadOnlyList<LoadPhase> Steady(TargetSpec target, ScenarioOptions o) =>
    [
        new LoadPhase
        {
            Name = "steady", Workload = Mixed(target, o), Concurrency = Concurrency(o, 64), Warmup = Warmup(o, 5), Duration = Duration(o, 60),
            Pid = target.Pid, MetricsUrl = target.MetricsUrl, StallThreshold = TimeSpan.FromMilliseconds(o.Smoke ? 1000 : 100),
        },
    ];

    private static IReadOnlyList<LoadPhase> Ramp(TargetSpec target, ScenarioOptions o)
    {
        var duration = Duration(o, 60);
        var peak = o.Rate ?? (o.Smoke ? 100 : 4000);
        var start = Math.Max(1, peak / 50);
        return
        [
            new LoadPhase
            {
                Name = "ramp", Workload = Workload.Single(RequestTemplate.Chat(target, "chat-20ms", Delayed(o))),
                RateAt = t => t <= 0 ? start : start + ((peak - start) * Math.Min(1, t / duration.TotalSeconds)),
                Warmup = Warmup(o, 2), Duration = duration, Pid = target.Pid, SampleInterval = TimeSpan.FromSeconds(1),
            },
        ];
    }

    private static IReadOnlyList<LoadPhase> Spike(TargetSpec target, ScenarioOptions o)
    {
        var duration = Duration(o, 30);
        var baseRate = o.Rate ?? (o.Smoke ? 20 : 200);
        var spikeStart = duration.TotalSeconds * 0.4;
        var spikeEnd = duration.TotalSeconds * 0.6;
        return
        [
            new LoadPhase
            {
                Name = "spike", Workload = Workload.Single(RequestTemplate.Chat(target, "chat-20ms", Delayed(o))),
                RateAt = t => t >= spikeStart && t < spikeEnd ? baseRate * 10 : baseRate,
                Warmup = Warmup(o, 2), Duration = duration, Pid = target.Pid, SampleInterval = TimeSpan.FromSeconds(1),
            },
        ];
    }

    private static IReadOnlyList<LoadPhase> Soak(TargetSpec target, ScenarioOptions o) =>
    [
        new LoadPhase
        {
            Name = "soak", Workload = Mixed(target, o), Concurrency = Concurrency(o, 32), Warmup = Warmup(o, 5), Duration = Duration(o, 600),
            Pid = target.Pid, MetricsUrl = target.MetricsUrl, SampleInterval = TimeSpan.FromSeconds(o.Smoke ? 0.25 : 5),
        },
    ];

    private static IReadOnlyList<LoadPhase> Faults(TargetSpec target, ScenarioOptions o)
    {
        var stream = o.Smoke
            ? new ChatShape { Stream = true, Tokens = 6, TimeToFirstTokenMs = 1, InterTokenMs = 1 }
            : new ChatShape { Stream = true, Tokens = 32, TimeToFirstTokenMs = 50, InterTokenMs = 10 };
        var whole = stream with { Stream = false };
        var workload = new Workload(
            (RequestTemplate.Chat(target, "clean stream", stream), 40),
            (RequestTemplate.Chat(target, "clean whole", whole), 40),
            (RequestTemplate.Chat(target, "fault 503", whole with { Fault = "status:503" }), 10),
            (RequestTemplate.Chat(target, "fault mid-stream", stream with { Fault = "midstream-error:3" }), 10));
        return
        [
            new LoadPhase
            {
                Name = "faults", Workload = workload, Concurrency = Concurrency(o, 32), Warmup = Warmup(o, 3), Duration = Duration(o, 30), Pid = target.Pid,
            },
        ];
    }

    private static IReadOnlyList<LoadPhase> Failover(TargetSpec target, ScenarioOptions o)
    {
        // The faults reach the target model's first deployment; its fallback must not pass them on (loadtests/run-failover.sh
        // configures a fallback provider that overrides x-sim-fault). A stream counts as failed unless it carries exactly
        // the expected content frames, one [DONE] and no error frame, so a duplicated or spliced answer is a failure.
        var stream = o.Smoke
            ? new ChatShape { Stream = true, Tokens = 6, TimeToFirstTokenMs = 1, InterTokenMs = 1 }
            : new ChatShape { Stream = true, Tokens = 32, TimeToFirstTokenMs = 20, InterTokenMs = 5 };
        var whole = stream with { Stream = false };
        var workload = new Workload(
            (RequestTemplate.Chat(target, "clean stream", stream), 40),
            (RequestTemplate.Chat(target, "clean whole", whole), 40),
            (RequestTemplate.Chat(target, "fault 503 whole", whole with { Fault = "status:503" }), 5),
            (RequestTemplate.Chat(target, "fault 429 whole", whole with { Fault = "status:429" }), 5),
            (RequestTemplate.Chat(target, "fault 529 stream", stream with { Fault = "status:529" }), 5),
            (RequestTemplate.Chat(target, "fault 500 stream", stream with { Fault = "status:500" }), 5));
        return
        [
            new LoadPhase
            {
                Name = "failover", Workload = workload, Concurrency = Concurrency(o, 32), Warmup = Warmup(o, 3), Duration = Duration(o, 30), Pid = target.Pid,
            },
        ];
    }

    private static void ConcludeFailover(ScenarioReport report, ScenarioOptions o)
    {
        var phase = report.Phases[0];
        var injected = phase.Templates.Where(t => t.Key.StartsWith("fault", StringComparison.Ordinal)).Sum(t => t.Value.Ok + t.Value.Failed);
        var failed = phase.Templates.Sum(t => t.Value.Failed);
        var total = phase.Templates.Sum(t => t.Value.Ok + t.Value.Failed);
        report.Findings["requests"] = total.ToString(CultureInfo.InvariantCulture);
        report.Findings["injected upstream failures"] = total == 0 ? "0%" : (100.0 * injected / total).ToString("F1", CultureInfo.InvariantCulture) + "% of requests";
        report.Findings["client-visible error rate"] = total == 0 ? "n/a" : (100.0 * failed / total).ToString("F3", CultureInfo.InvariantCulture) + "% (" + failed.ToString(CultureInfo.InvariantCulture) + " failed; goal < 0.1%)";
        report.Findings["p99 (all requests)"] = phase.Latency.P99Us + " us";
    }

    private static IReadOnlyList<LoadPhase> RateLimit(TargetSpec target, ScenarioOptions o)
    {
        var keys = o.Keys.Count > 0 ? o.Keys : [KeyOf(target) ?? "no-key"];
        var entries = new (RequestTemplate, int)[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            entries[i] = (RequestTemplate.Chat(target, "key " + (i + 1).ToString(CultureInfo.InvariantCulture), new ChatShape { Tokens = 16, ApiKey = keys[i] }), 1);
        }

        return
        [
            new LoadPhase
            {
                Name = "ratelimit", Workload = new Workload(entries), Concurrency = Concurrency(o, 64), Warmup = Warmup(o, 2), Duration = Duration(o, 30),
                Pid = target.Pid,
            },
        ];
    }

    private static IReadOnlyList<LoadPhase> Translation(TargetSpec target, ScenarioOptions o) =>
    [
        new LoadPhase
        {
            Name = "translation", Workload = Workload.Single(RequestTemplate.Chat(target, "messages", Delayed(o) with { Messages = true })),
            Concurrency = Concurrency(o, 32), Warmup = Warmup(o, 2), Duration = Duration(o, 30), Pid = target.Pid,
        },
    ];

    private static IReadOnlyList<LoadPhase> Responses(TargetSpec target, ScenarioOptions o) =>
    [
        new LoadPhase
        {
            Name = "responses",
            Workload = Workload.Single(RequestTemplate.Chat(target, "responses-stream", new ChatShape
            {
                Responses = true, Stream = true, Tokens = 32, TimeToFirstTokenMs = o.Smoke ? 1 : 50, InterTokenMs = o.Smoke ? 0 : 10,
            })),
            Concurrency = Concurrency(o, 32), Warmup = Warmup(o, 2), Duration = Duration(o, 30), Pid = target.Pid,
        },
    ];

    private static IReadOnlyList<LoadPhase> Embeddings(TargetSpec target, ScenarioOptions o) =>
    [
        new LoadPhase
        {
            Name = "embeddings",
            Workload = Workload.Single(RequestTemplate.Chat(target, "batch", new ChatShape { EmbeddingInputs = o.Smoke ? 4 : 256, TimeToFirstTokenMs = o.Smoke ? 0 : 20 })),
            Concurrency = Concurrency(o, 8), Warmup = Warmup(o, 2), Duration = Duration(o, 30), Pid = target.Pid,
            SampleInterval = TimeSpan.FromSeconds(o.Smoke ? 0.25 : 1),
        },
    ];

    private static void ConcludeEmbeddings(ScenarioReport report, ScenarioOptions o)
    {
        var rss = report.Phases[0].Resources.Where(s => s.RssMiB is not null).ToList();
        if (rss.Count > 0)
        {
            report.Findings["RSS first / peak / last sample"] = string.Create(
                CultureInfo.InvariantCulture,
                $"{rss[0].RssMiB:F1} / {rss.Max(s => s.RssMiB!.Value):F1} / {rss[^1].RssMiB:F1} MiB");
        }
    }

    private static string? KeyOf(TargetSpec target)
    {
        foreach (var header in target.Headers)
        {
            if (string.Equals(header.Key, "Authorization", StringComparison.OrdinalIgnoreCase) && header.Value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return header.Value[7..];
            }
        }

        return null;
    }

    private static void ConcludeRamp(ScenarioReport report, ScenarioOptions o)
    {
        var phase = report.Phases[0];
        var points = phase.Timeline.Where(p => p.Second >= 0 && p.Second < phase.DurationSeconds).ToList();
        if (points.Count < 3)
        {
            report.Findings["knee"] = "too short to find";
            return;
        }

        var baseline = Math.Max(1, points.Take(3).Max(p => p.P99Us));
        var peak = o.Rate ?? (o.Smoke ? 100 : 4000);
        var start = Math.Max(1, peak / 50);
        var knee = points.FirstOrDefault(p => p.Failed > 0 || p.P99Us > Math.Max(5 * baseline, baseline + 50_000));
        string Rate(int second) => (start + ((peak - start) * Math.Min(1, (second + 0.5) / phase.DurationSeconds))).ToString("F0", CultureInfo.InvariantCulture);
        report.Findings["baseline p99"] = baseline.ToString(CultureInfo.InvariantCulture) + " us";
        report.Findings["knee"] = knee is null
            ? $"not reached up to {peak.ToString("F0", CultureInfo.InvariantCulture)} req/s offered"
            : $"~{Rate(knee.Second)} req/s offered (second {knee.Second}: p99 {knee.P99Us} us, {knee.Failed} failed, {knee.Ok} ok)";
        report.Findings["best second"] = points.Max(p => p.Ok).ToString(CultureInfo.InvariantCulture) + " req/s completed";
    }

    private static void ConcludeSpike(ScenarioReport report, ScenarioOptions o)
    {
        var phase = report.Phases[0];
        var spikeStart = (int)(phase.DurationSeconds * 0.4);
        var spikeEnd = (int)Math.Ceiling(phase.DurationSeconds * 0.6);
        var points = phase.Timeline.Where(p => p.Second >= 0 && p.Second < phase.DurationSeconds).ToList();
        var before = points.Where(p => p.Second < spikeStart).ToList();
        var during = points.Where(p => p.Second >= spikeStart && p.Second < spikeEnd).ToList();
        var after = points.Where(p => p.Second >= spikeEnd).ToList();
        var baseline = before.Count > 0 ? before.Max(p => p.P99Us) : 0;
        report.Findings["p99 before (worst second)"] = baseline.ToString(CultureInfo.InvariantCulture) + " us";
        report.Findings["p99 during (worst second)"] = (during.Count > 0 ? during.Max(p => p.P99Us) : 0).ToString(CultureInfo.InvariantCulture) + " us";
        var recovered = after.FirstOrDefault(p => p.P99Us <= Math.Max(2 * baseline, baseline + 5_000) && p.Failed == 0);
        report.Findings["recovery"] = recovered is null
            ? "not recovered before the end of the run"
            : $"{recovered.Second - spikeEnd} s after the spike ended";
    }

    private static void ConcludeSoak(ScenarioReport report, ScenarioOptions o)
    {
        var samples = report.Phases[0].Resources;
        var rss = samples.Where(s => s.RssMiB is not null).ToList();
        if (rss.Count >= 2)
        {
            var half = rss.Skip(rss.Count / 2).ToList();
            var perHour = (half[^1].RssMiB!.Value - half[0].RssMiB!.Value) / Math.Max(1e-9, half[^1].Second - half[0].Second) * 3600;
            report.Findings["RSS"] = string.Create(CultureInfo.InvariantCulture, $"{rss[0].RssMiB:F1} MiB at start, {rss[^1].RssMiB:F1} MiB at end, {perHour:+0.0;-0.0} MiB/h over the second half");
        }

        var gc = samples.Where(s => s.Gen0 is not null).ToList();
        if (gc.Count >= 2)
        {
            report.Findings["GC"] = string.Create(
                CultureInfo.InvariantCulture,
                $"gen0 {gc[^1].Gen0 - gc[0].Gen0:F0}, gen1 {gc[^1].Gen1 - gc[0].Gen1:F0}, gen2 {gc[^1].Gen2 - gc[0].Gen2:F0} collections; managed heap {gc[^1].HeapMiB:F1} MiB at end");
        }

    }

    private static void ConcludeFaults(ScenarioReport report, ScenarioOptions o)
    {
        var phase = report.Phases[0];
        var injected = phase.Templates.Where(t => t.Key.StartsWith("fault", StringComparison.Ordinal)).Sum(t => t.Value.Ok + t.Value.Failed);
        var total = phase.Requests;
        report.Findings["injected share"] = total == 0 ? "0%" : (100.0 * injected / total).ToString("F1", CultureInfo.InvariantCulture) + "%";
        report.Findings["faulted requests seen as failed"] = phase.InjectedFailures + " of " + injected;
        report.Findings["clean requests failed"] = phase.Failed.ToString(CultureInfo.InvariantCulture);
        report.Findings["clean p99"] = phase.Latency.P99Us + " us";
    }

    private static void ConcludeRateLimit(ScenarioReport report, ScenarioOptions o)
    {
        var phase = report.Phases[0];
        foreach (var (label, counts) in phase.Templates)
        {
            report.Findings[label] = $"{counts.Ok} ok, {counts.Limited} limited (429), {counts.Failed} failed";
        }

        var oks = phase.Templates.Values.Select(c => c.Ok).ToList();
        if (oks.Count > 1 && oks.Max() > 0)
        {
            report.Findings["fairness (min/max ok per key)"] = ((double)oks.Min() / oks.Max()).ToString("F2", CultureInfo.InvariantCulture);
        }

    }
}
