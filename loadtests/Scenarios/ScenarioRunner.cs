using System.Globalization;
using MassRouter.LoadTests.Engine;
using MassRouter.LoadTests.Machine;
using MassRouter.LoadTests.Targets;

namespace MassRouter.LoadTests.Scenarios;

/// <summary>Runs one scenario against one target and derives its findings.</summary>
internal static class ScenarioRunner
{
    public static async Task<ScenarioReport> RunAsync(
        HttpClient client, ScenarioDefinition scenario, TargetSpec target, ScenarioOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(log);
        var report = new ScenarioReport
        {
            Machine = MachineInfo.Collect(),
            Scenario = scenario.Name,
            Description = scenario.Description,
            Target = target.Name,
            Url = target.BaseUrl.ToString(),
            Smoke = options.Smoke,
        };

        var phases = scenario.Build(target, options);
        var unavailable = await ProbeAsync(client, phases[0].Workload.Templates[0], cancellationToken);
        if (unavailable is not null)
        {
            report.Status = unavailable;
            log.WriteLine($"[{scenario.Name}] {unavailable}");
            return report;
        }

        foreach (var phase in phases)
        {
            var shape = phase.IsOpen ? "open model" : phase.Concurrency.ToString(CultureInfo.InvariantCulture) + " in flight";
            log.WriteLine(FormattableString.Invariant($"[{scenario.Name}] {phase.Name}: {shape}, warm-up {phase.Warmup.TotalSeconds:0.#} s, {phase.Duration.TotalSeconds:0.#} s measured"));
            var result = await PhaseRunner.RunAsync(client, phase, cancellationToken);
            report.Phases.Add(result);
            log.WriteLine(FormattableString.Invariant($"[{scenario.Name}] {result.Requests} requests, {result.Rps:F1} req/s, ok {result.Ok}, failed {result.Failed}, limited {result.Limited}, injected {result.InjectedFailures}, p50 {result.Latency.P50Us} us, p99 {result.Latency.P99Us} us")
                + (result.LastError is { } error ? FormattableString.Invariant($", last error: {error}") : string.Empty));
        }

        scenario.Conclude?.Invoke(report, options);
        foreach (var (name, value) in report.Findings)
        {
            log.WriteLine($"[{scenario.Name}] {name}: {value}");
        }

        return report;
    }

    /// <summary>One request first: a 404 means the target does not serve the route, reported as "not available" rather than as failures.</summary>
    private static async Task<string?> ProbeAsync(HttpClient client, RequestTemplate template, CancellationToken cancellationToken)
    {
        try
        {
            var status = await Probe.StatusAsync(client, template, cancellationToken);
            return status == 404
                ? $"not available: {template.Uri.AbsolutePath} answers 404 on this target"
                : null;
        }
        catch (HttpRequestException ex)
        {
            return "not available: " + ex.Message;
        }
    }
}
