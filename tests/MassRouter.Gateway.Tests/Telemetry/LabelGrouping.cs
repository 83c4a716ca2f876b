namespace MassRouter.Gateway.Tests.Telemetry;

/// <summary>
/// A label list (<c>by</c>, <c>without</c>, <c>on</c>, <c>ignoring</c>, <c>group_left</c>, <c>group_right</c>) and the
/// metrics it applies to.
/// </summary>
internal sealed record LabelGrouping(string Keyword, IReadOnlyList<string> Labels, Range ScopeRange)
{
    public IReadOnlyList<MetricSelector> Metrics { get; init; } = [];
}
