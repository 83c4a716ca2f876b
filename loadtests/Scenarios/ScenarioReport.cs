using MassRouter.LoadTests.Engine;
using MassRouter.LoadTests.Machine;

namespace MassRouter.LoadTests.Scenarios;

/// <summary>The result of one scenario run: its phases and the findings derived from them.</summary>
internal sealed class ScenarioReport
{
    public required MachineInfo Machine { get; init; }

    public required string Scenario { get; init; }

    public required string Description { get; init; }

    public required string Target { get; init; }

    public required string Url { get; init; }

    public bool Smoke { get; init; }

    /// <summary>"measured", or why the scenario could not run (for example a route the target does not serve).</summary>
    public string Status { get; set; } = "measured";

    public List<PhaseResult> Phases { get; init; } = [];

    /// <summary>Named conclusions: the knee, the recovery time, RSS growth, per-key shares.</summary>
    public Dictionary<string, string> Findings { get; init; } = [];

    /// <summary>Requests that failed without an injected fault, over all phases.</summary>
    public long UnexpectedFailures => Phases.Sum(p => p.Failed);

    public long Succeeded => Phases.Sum(p => p.Ok);
}
