using Prometheus;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// Metering's Prometheus series, on the gateway's registry: settlements by outcome, the spool, and money charged.
/// Labels stay bounded (outcome is a fixed set; model comes from the catalog).
/// </summary>
internal sealed class MeteringMetrics
{
    private readonly Counter.Child _settled;
    private readonly Counter.Child _duplicates;
    private readonly Counter.Child _spooled;
    private readonly Counter _replayed;
    private readonly Counter _costNanos;

    public MeteringMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        var settlements = factory.CreateCounter("massrouter_settlements_total", "Usage settlements, by outcome (settled, duplicate, spooled).", "outcome");
        _settled = settlements.WithLabels("settled");
        _duplicates = settlements.WithLabels("duplicate");
        _spooled = settlements.WithLabels("spooled");
        _replayed = factory.CreateCounter("massrouter_spool_replayed_total", "Spooled usage events replayed to Redis.");
        _costNanos = factory.CreateCounter("massrouter_cost_nanodollars_total", "Money charged, in nano-dollars, by model.", "model");
    }

    public void Settled(string model, long costNanos)
    {
        _settled.Inc();
        _costNanos.WithLabels(model).Inc(costNanos);
    }

    public void Duplicate() => _duplicates.Inc();

    public void Spooled() => _spooled.Inc();

    public void Replayed(int count) => _replayed.Inc(count);
}
