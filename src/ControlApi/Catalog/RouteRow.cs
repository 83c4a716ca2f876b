namespace MassRouter.ControlApi.Catalog;

/// <summary>A row of <c>model_routes</c> joined with its provider's name.</summary>
internal sealed class RouteRow
{
    public long ModelId { get; set; }

    public long Position { get; set; }

    public string Provider { get; set; } = "";

    public string UpstreamModel { get; set; } = "";

    public long Weight { get; set; }
}
