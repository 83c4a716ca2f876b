using Prometheus;

namespace MassRouter.ControlApi.Ledger;

/// <summary>The ledger flusher's Prometheus series: outbox depth, ledger lag and flushed events.</summary>
internal sealed class LedgerMetrics
{
    private readonly Gauge _outboxDepth;
    private readonly Gauge _lag;
    private readonly Counter _events;
    private readonly Counter _failures;

    public LedgerMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        _outboxDepth = factory.CreateGauge("massrouter_outbox_depth", "Usage events waiting in the Redis outboxes (including in-flight batches) at the last flusher pass.");
        _lag = factory.CreateGauge("massrouter_ledger_lag_seconds", "Age of the oldest event in the last batch written to the ledger (time from request end to ledger row).");
        _events = factory.CreateCounter("massrouter_ledger_events_total", "Usage events taken from the outbox, by result.", "result");
        _failures = factory.CreateCounter("massrouter_ledger_flush_failures_total", "Flusher passes that failed and will be retried.");
    }

    public void OutboxDepth(long depth) => _outboxDepth.Set(depth);

    public void Lag(TimeSpan lag) => _lag.Set(Math.Max(0, lag.TotalSeconds));

    public void Flushed(int inserted, int duplicates, int rejected)
    {
        _events.WithLabels("inserted").Inc(inserted);
        _events.WithLabels("duplicate").Inc(duplicates);
        _events.WithLabels("rejected").Inc(rejected);
    }

    public void Failed() => _failures.Inc();
}
