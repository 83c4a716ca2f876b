namespace MassRouter.Simulator.Control;

/// <summary>The JSON shape of <c>GET /sim/requests/{id}/aborted</c>.</summary>
internal sealed record AbortedView(bool Aborted);
