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
    private readonly Counter.Child _admittedByRedis;
    private readonly Counter.Child _admittedOptimistically;
    private readonly Counter.Child _admittedLocally;
    private readonly Counter _optimisticRefused;
    private readonly Histogram _admissionWait;
    private readonly Counter.Child _backgroundHeld;
    private readonly Counter.Child _backgroundSettled;
    private readonly Counter.Child _backgroundEstimated;

    public MeteringMetrics(CollectorRegistry registry)
    {
        var factory = Telemetry.GatewayMetrics.Factory(registry);
        var settlements = factory.CreateCounter("massrouter_settlements_total", "Usage settlements, by outcome (settled, duplicate, spooled).", "outcome");
        _settled = settlements.WithLabels("settled");
        _duplicates = settlements.WithLabels("duplicate");
        _spooled = settlements.WithLabels("spooled");
        _replayed = factory.CreateCounter("massrouter_spool_replayed_total", "Spooled usage events replayed to Redis.");
        _costNanos = factory.CreateCounter("massrouter_cost_nanodollars_total", "Money charged, in nano-dollars, by model.", "model");
        var admissions = factory.CreateCounter(
            "massrouter_admissions_total",
            "Metered requests admitted, by how: waiting for Redis's verdict (redis), without waiting while its last answer left plenty of room (optimistic), or by the local limits while Redis was unreachable (local).",
            "mode");
        _admittedByRedis = admissions.WithLabels("redis");
        _admittedOptimistically = admissions.WithLabels("optimistic");
        _admittedLocally = admissions.WithLabels("local");
        _optimisticRefused = factory.CreateCounter(
            "massrouter_optimistic_refused_total",
            "Requests admitted without waiting whose admission script then refused them (served and charged; the key's next requests wait for Redis).");
        _admissionWait = factory.CreateHistogram(
            "massrouter_admission_wait_seconds",
            "Time a metered request waited for Redis's admission verdict (not observed for optimistic admissions, which do not wait).",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.000025, 2, 14) });
        var background = factory.CreateCounter(
            "massrouter_background_charges_total",
            "Background responses (background: true) billed once finished, by outcome: held (its charge waiting for the provider to finish), settled (with the provider's usage), estimated (its prompt estimate: the provider no longer had it, or it never finished).",
            "outcome");
        _backgroundHeld = background.WithLabels("held");
        _backgroundSettled = background.WithLabels("settled");
        _backgroundEstimated = background.WithLabels("estimated");
    }

    public void BackgroundHeld() => _backgroundHeld.Inc();

    public void BackgroundSettled(bool estimated) => (estimated ? _backgroundEstimated : _backgroundSettled).Inc();

    public void AdmissionWaited(TimeSpan wait) => _admissionWait.Observe(wait.TotalSeconds);

    public void Settled(string model, long costNanos)
    {
        _settled.Inc();
        _costNanos.WithLabels(model).Inc(costNanos);
    }

    public void Duplicate() => _duplicates.Inc();

    public void AdmittedByRedis() => _admittedByRedis.Inc();

    public void AdmittedOptimistically() => _admittedOptimistically.Inc();

    public void AdmittedLocally() => _admittedLocally.Inc();

    public void OptimisticRefused() => _optimisticRefused.Inc();

    public void Spooled() => _spooled.Inc();

    public void Replayed(int count) => _replayed.Inc(count);
}
