namespace MassRouter.Simulator.Replay;

/// <summary>Outcome of resolving an <c>x-sim-fixture</c> path.</summary>
internal enum FixtureLookup
{
    Found,
    Disabled,
    OutsideRoot,
    NotFound,
}
