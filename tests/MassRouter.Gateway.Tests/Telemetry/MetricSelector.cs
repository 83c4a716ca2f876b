namespace MassRouter.Gateway.Tests.Telemetry;

/// <summary>A metric the expression selects, with the label names its matchers use.</summary>
internal sealed record MetricSelector(string Name, IReadOnlySet<string> Labels);
