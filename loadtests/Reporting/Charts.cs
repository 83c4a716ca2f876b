using MassRouter.LoadTests.Board;
using MassRouter.LoadTests.Scenarios;
using ScottPlot;

namespace MassRouter.LoadTests.Reporting;

/// <summary>PNG charts of a board run and of a scenario, with ScottPlot.</summary>
internal static class Charts
{
    private const int Width = 900;
    private const int Height = 480;

    public static List<string> WriteBoard(BoardReport report, string directory)
    {
        ArgumentNullException.ThrowIfNull(report);
        var files = new List<string>();
        var available = report.Targets.Where(t => t.Available).ToList();
        if (available.Count == 0)
        {
            return files;
        }

        {
            var plot = new Plot();
            var rows = report.Comparison.Where(r => r.Available && r.P99Us is not null).ToList();
            var bars = new List<Bar>();
            for (var i = 0; i < rows.Count; i++)
            {
                bars.Add(new Bar { Position = (i * 3) + 0, Value = rows[i].P50Us ?? 0, FillColor = Colors.SteelBlue });
                bars.Add(new Bar { Position = (i * 3) + 1, Value = rows[i].P99Us ?? 0, FillColor = Colors.OrangeRed });
            }

            plot.Add.Bars(bars);
            plot.Axes.Bottom.SetTicks([.. rows.Select((_, i) => (i * 3) + 0.5)], [.. rows.Select(r => r.Target)]);
            plot.Axes.Margins(bottom: 0);
            plot.Title("Latency at concurrency 1, zero-delay mock (blue p50, red p99)");
            plot.YLabel("microseconds");
            files.Add(Save(plot, directory, "latency-c1.png"));
        }

        {
            var plot = new Plot();
            var sweeps = available.Select(t => (t.Name, t.Frontier))
                .Concat(available.Where(t => t.Translation is { Measured: true }).Select(t => (t.Name + " /v1/messages", t.Translation!.Frontier)));
            foreach (var (name, frontier) in sweeps.Where(sweep => sweep.Frontier.Count > 0))
            {
                var steps = frontier.Where(f => f.Ok > 0).ToList();
                var line = plot.Add.Scatter(
                    steps.Select(f => f.Rps).ToArray(),
                    steps.Select(f => Math.Log10(Math.Max(0.01, f.Latency.P99Us / 1000.0))).ToArray());
                line.LegendText = name;
            }

            // p99 spans from the mock's delay to seconds: a log axis keeps the interesting low end readable.
            // The 10 ms bound applies to the added tail: on this chart it sits at the mock's delay plus 10 ms.
            plot.Add.HorizontalLine(Math.Log10(report.Settings.FrontierDelayMs + 10), pattern: LinePattern.Dashed);
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = y => Math.Pow(10, y).ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
            };
            plot.Title($"Throughput frontier: {report.Settings.FrontierDelayMs} ms mock, concurrency sweep (dashed: mock delay + 10 ms)");
            plot.XLabel("requests/s");
            plot.YLabel("p99 (ms, log scale)");
            plot.ShowLegend(Alignment.UpperLeft);
            files.Add(Save(plot, directory, "frontier.png"));
        }

        {
            var plot = new Plot();
            foreach (var target in available.Where(t => t.StreamSweep.Count > 0))
            {
                var line = plot.Add.Scatter(
                    target.StreamSweep.Select(f => (double)f.Concurrency).ToArray(),
                    target.StreamSweep.Select(f => f.FramesPerSecond).ToArray());
                line.LegendText = target.Name;
            }

            plot.Title("Streams: content frames/s by concurrent streams (sweep stops at the first failing step)");
            plot.XLabel("concurrent streams");
            plot.YLabel("content frames/s");
            plot.ShowLegend(Alignment.UpperLeft);
            files.Add(Save(plot, directory, "streams.png"));
        }

        {
            var plot = new Plot();
            foreach (var target in available)
            {
                var samples = target.MemorySamples.Where(r => r.RssMiB is not null).ToList();
                if (samples.Count == 0)
                {
                    continue;
                }

                var line = plot.Add.Scatter(samples.Select(r => r.Second).ToArray(), samples.Select(r => r.RssMiB!.Value).ToArray());
                line.LegendText = target.Name;
            }

            plot.Title($"RSS under a fixed load from a cold start ({report.Settings.MemoryConcurrency} in flight, until it plateaus)");
            plot.XLabel("seconds");
            plot.YLabel("RSS (MiB)");
            plot.ShowLegend(Alignment.UpperLeft);
            files.Add(Save(plot, directory, "memory.png"));
        }

        return files;
    }

    public static List<string> WriteScenario(ScenarioReport report, string directory)
    {
        ArgumentNullException.ThrowIfNull(report);
        var files = new List<string>();
        foreach (var phase in report.Phases)
        {
            var points = phase.Timeline.Where(p => p.Ok + p.Failed > 0).ToList();
            if (points.Count == 0)
            {
                continue;
            }

            var plot = new Plot();
            var xs = points.Select(p => (double)p.Second).ToArray();
            var ok = plot.Add.Scatter(xs, points.Select(p => (double)p.Ok).ToArray());
            ok.LegendText = "ok/s";
            var failed = plot.Add.Scatter(xs, points.Select(p => (double)p.Failed).ToArray());
            failed.LegendText = "failed/s";
            var p99 = plot.Add.Scatter(xs, points.Select(p => p.P99Us / 1000.0).ToArray());
            p99.LegendText = "p99 (ms, right axis)";
            p99.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "p99 (ms)";
            plot.Title($"{report.Scenario}: throughput and p99 per second (negative seconds are warm-up)");
            plot.XLabel("seconds");
            plot.YLabel("requests/s");
            plot.ShowLegend(Alignment.UpperLeft);
            files.Add(Save(plot, directory, $"{phase.Name}-timeline.png"));

            var samples = phase.Resources.Where(r => r.RssMiB is not null).ToList();
            if (samples.Count > 1)
            {
                var memory = new Plot();
                var rss = memory.Add.Scatter(samples.Select(r => r.Second).ToArray(), samples.Select(r => r.RssMiB!.Value).ToArray());
                rss.LegendText = "RSS (MiB)";
                var heap = samples.Where(r => r.HeapMiB is not null).ToList();
                if (heap.Count > 1)
                {
                    var managed = memory.Add.Scatter(heap.Select(r => r.Second).ToArray(), heap.Select(r => r.HeapMiB!.Value).ToArray());
                    managed.LegendText = "managed heap (MiB)";
                    var gen0 = memory.Add.Scatter(heap.Select(r => r.Second).ToArray(), heap.Select(r => r.Gen0 ?? 0).ToArray());
                    gen0.LegendText = "gen0 collections (right axis)";
                    gen0.Axes.YAxis = memory.Axes.Right;
                }

                memory.Title($"{report.Scenario}: memory over time");
                memory.XLabel("seconds");
                memory.YLabel("MiB");
                memory.ShowLegend(Alignment.UpperLeft);
                files.Add(Save(memory, directory, $"{phase.Name}-memory.png"));
            }
        }

        return files;
    }

    private static string Save(Plot plot, string directory, string name)
    {
        plot.SavePng(Path.Combine(directory, name), Width, Height);
        return name;
    }
}
