namespace MassRouter.ControlApi.Catalog;

/// <summary>One deployment of a model, in route order.</summary>
public sealed record RouteView(string Provider, string Model, int Weight);
