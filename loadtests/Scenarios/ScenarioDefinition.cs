using MassRouter.LoadTests.Engine;
using MassRouter.LoadTests.Targets;

namespace MassRouter.LoadTests.Scenarios;

/// <summary>A named scenario: how it builds its phases for a target, and what it concludes from their results.</summary>
internal sealed record ScenarioDefinition(
    string Name,
    string Description,
    Func<TargetSpec, ScenarioOptions, IReadOnlyList<LoadPhase>> Build,
    Action<ScenarioReport, ScenarioOptions>? Conclude = null);
