namespace MassRouter.Simulator.Control;

/// <summary>A simulator control header the simulator could not act on.</summary>
internal sealed record HeaderError(string Header, string Message);
