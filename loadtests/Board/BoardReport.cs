using MassRouter.LoadTests.Machine;

namespace MassRouter.LoadTests.Board;

/// <summary>The whole side-by-side run: machine, settings, every target's measurements, the comparison and the goals.</summary>
internal sealed class BoardReport
{
    public required MachineInfo Machine { get; init; }

    public required BoardSettings Settings { get; init; }

    public string? Note { get; init; }

    public required string Direct { get; init; }

    public required string Floor { get; init; }

    public required string Subject { get; init; }

    public string? Peer { get; init; }

    public List<TargetResult> Targets { get; init; } = [];

    public List<ComparisonRow> Comparison { get; set; } = [];

    public List<GoalCheck> Goals { get; set; } = [];

    /// <summary>What the rig itself added in this run (from the direct baseline), and what that makes unreadable.</summary>
    public RigCheck? Rig { get; set; }
}
