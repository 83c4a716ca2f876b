using Prometheus;

namespace MassRouter.ControlApi.Telemetry;

/// <summary>
/// The control plane's own Prometheus registry, wrapped so a process that also hosts the gateway (with its own
/// <see cref="CollectorRegistry"/> singleton) keeps the two apart.
/// </summary>
internal sealed class ControlMetricsRegistry
{
    public ControlMetricsRegistry()
    {
        Registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
    }

    public CollectorRegistry Registry { get; }
}
