using MassRouter.LoadTests.Board;
using MassRouter.LoadTests.Machine;
using MassRouter.LoadTests.Reporting;
using MassRouter.LoadTests.Scenarios;
using MassRouter.LoadTests.Targets;

namespace MassRouter.LoadTests.Cli;

/// <summary>The commands: <c>board</c> (side-by-side methodology), <c>scenario NAME|all</c> and <c>list</c>.</summary>
internal static class Commands
{
    public const string Usage = """
        MassRouter load tests

          board    --target SPEC [--target SPEC ...] [--profile standard|quick|smoke] [--out DIR]
                   [--direct direct] [--floor plain-yarp] [--subject massrouter] [--peer portkey] [--note TEXT]
          scenario NAME|all --target SPEC [--smoke] [--duration S] [--warmup S] [--concurrency N] [--rate R]
                   [--models a,b] [--keys k1,k2] [--out DIR]
          list     the scenarios

        SPEC: name=NAME;url=http://127.0.0.1:PORT[;pid=PID][;model=M][;header=Name: value][;metrics=URL][;version=V][;unavailable=REASON]
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        var arguments = new Arguments(args);
        var command = arguments.Positional.Count > 0 ? arguments.Positional[0] : "help";
        switch (command)
        {
            case "board":
                var board = await BoardAsync(arguments, log, cancellationToken);
                return board.Targets.Any(t => t.Available) ? 0 : 1;
            case "scenario":
                var reports = await ScenariosAsync(arguments, log, cancellationToken);
                return reports.Count > 0 ? 0 : 1;
            case "list":
                foreach (var scenario in ScenarioCatalog.All)
                {
                    log.WriteLine($"{scenario.Name,-12} {scenario.Description}");
                }

                return 0;
            default:
                log.WriteLine(Usage);
                return command == "help" ? 0 : 2;
        }
    }

    public static async Task<BoardReport> BoardAsync(Arguments arguments, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var targets = arguments.All("target").Select(TargetSpec.Parse).ToList();
        if (targets.Count == 0)
        {
            throw new ArgumentException("board needs at least one --target.");
        }

        var settings = BoardSettings.For(arguments.Get("profile") ?? (arguments.Has("smoke") ? "smoke" : "standard"));
        var report = new BoardReport
        {
            Machine = MachineInfo.Collect(),
            Settings = settings,
            Note = arguments.Get("note"),
            Direct = arguments.Get("direct") ?? "direct",
            Floor = arguments.Get("floor") ?? "plain-yarp",
            Subject = arguments.Get("subject") ?? "massrouter",
            Peer = arguments.Get("peer") ?? "portkey",
        };
        using var client = LoadTestClient.Create();
        var runner = new BoardRunner(client, settings, log);
        // The translation lane exists only on gateways: the mock and the plain forwarder have no /v1/messages.
        var plan = targets.Select(t => (t, !string.Equals(t.Name, report.Direct, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(t.Name, report.Floor, StringComparison.OrdinalIgnoreCase))).ToList();
        report.Targets.AddRange(await runner.RunAllAsync(plan, cancellationToken));
        Comparison.Compute(report);
        var output = OutputDirectory(arguments, "board");
        JsonOutput.Write(Path.Combine(output, "results.json"), report);
        var charts = Charts.WriteBoard(report, output);
        var markdown = BoardMarkdown.Render(report, charts);
        await File.WriteAllTextAsync(Path.Combine(output, "report.md"), markdown, cancellationToken);
        log.WriteLine();
        log.WriteLine(markdown[..markdown.IndexOf("## Full frontier sweeps", StringComparison.Ordinal)]);
        log.WriteLine($"Results: {output}/results.json, report.md and {charts.Count} charts");
        return report;
    }

    public static async Task<List<ScenarioReport>> ScenariosAsync(Arguments arguments, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var name = arguments.Positional.Count > 1 ? arguments.Positional[1] : throw new ArgumentException("scenario needs a name, or all.");
        var scenarios = name == "all"
            ? ScenarioCatalog.All
            : [ScenarioCatalog.Find(name) ?? throw new ArgumentException($"Unknown scenario '{name}'. Try: list.")];
        var target = TargetSpec.Parse(arguments.Get("target") ?? throw new ArgumentException("scenario needs --target."));
        var options = new ScenarioOptions
        {
            Smoke = arguments.Has("smoke"),
            Duration = arguments.Seconds("duration"),
            Warmup = arguments.Seconds("warmup"),
            Concurrency = arguments.Int("concurrency"),
            Rate = arguments.Double("rate"),
            Models = arguments.List("models"),
            Keys = arguments.List("keys"),
        };
        var root = OutputDirectory(arguments, "scenarios");
        using var client = LoadTestClient.Create();
        var reports = new List<ScenarioReport>();
        foreach (var scenario in scenarios)
        {
            var report = await ScenarioRunner.RunAsync(client, scenario, target, options, log, cancellationToken);
            var output = Directory.CreateDirectory(Path.Combine(root, scenario.Name)).FullName;
            JsonOutput.Write(Path.Combine(output, "results.json"), report);
            var charts = Charts.WriteScenario(report, output);
            await File.WriteAllTextAsync(Path.Combine(output, "report.md"), ScenarioMarkdown.Render(report, charts), cancellationToken);
            log.WriteLine($"[{scenario.Name}] report: {output}/report.md");
            reports.Add(report);
        }

        return reports;
    }

    private static string OutputDirectory(Arguments arguments, string kind)
    {
        var output = arguments.Get("out")
            ?? Path.Combine("artifacts", "loadtests", kind + "-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));
        return Directory.CreateDirectory(output).FullName;
    }
}
