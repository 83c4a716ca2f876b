using System.Globalization;
using System.Text;
using MassRouter.LoadTests.Scenarios;

namespace MassRouter.LoadTests.Reporting;

/// <summary>The Markdown report of one scenario run.</summary>
internal static class ScenarioMarkdown
{
    public static string Render(ScenarioReport report, IReadOnlyList<string> charts)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(charts);
        var m = report.Machine;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# Scenario `{report.Scenario}` against `{report.Target}`{(report.Smoke ? " (smoke)" : string.Empty)}").AppendLine();
        text.AppendLine(report.Description).AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Taken {m.TakenUtc} on `{m.Host}`: {m.CpuModel}, {m.LogicalCores} logical cores, {m.Runtime}, commit `{m.Commit}`. Target {report.Url}. Status: {report.Status}.").AppendLine();
        if (report.Findings.Count > 0)
        {
            var findings = new MarkdownTable("finding", "value");
            foreach (var (name, value) in report.Findings)
            {
                findings.Row(name, value);
            }

            text.AppendLine("## Findings").AppendLine().Append(findings).AppendLine();
        }

        if (report.Phases.Count > 0)
        {
            var phases = new MarkdownTable("phase", "model", "requests", "req/s", "ok", "failed", "429", "injected", "p50 (us)", "p90 (us)", "p99 (us)", "p99.9 (us)", "TTFT p50 (us)", "stalls", "CPU/req (us)", "last error");
            foreach (var p in report.Phases)
            {
                phases.Row(
                    p.Name, p.Model == "open" ? $"open {p.OfferedRps.ToString("F0", CultureInfo.InvariantCulture)}/s" : $"closed {p.Concurrency}",
                    p.Requests, p.Rps, p.Ok, p.Failed, p.Limited, p.InjectedFailures, p.Latency.P50Us, p.Latency.P90Us, p.Latency.P99Us, p.Latency.P999Us,
                    p.Ttft.Count > 0 ? p.Ttft.P50Us : null, p.Stalls, p.CpuUsPerRequest, p.LastError);
            }

            text.AppendLine("## Phases").AppendLine().Append(phases).AppendLine();
            var templates = new MarkdownTable("phase", "request kind", "ok", "failed", "429");
            foreach (var p in report.Phases)
            {
                foreach (var (label, counts) in p.Templates)
                {
                    templates.Row(p.Name, label, counts.Ok, counts.Failed, counts.Limited);
                }
            }

            text.AppendLine("## By request kind").AppendLine().Append(templates).AppendLine();
        }

        foreach (var chart in charts)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"![{chart}]({chart})").AppendLine();
        }

        return text.ToString();
    }
}
