namespace MassRouter.Gateway.Tests.Telemetry;

/// <summary>
/// One PromQL query of the dashboard; <paramref name="ValuesOfLabel"/> is the label a <c>label_values</c> variable
/// lists (its selector is <paramref name="Expression"/>).
/// </summary>
internal sealed record DashboardQuery(string Where, string Expression, string? ValuesOfLabel);
