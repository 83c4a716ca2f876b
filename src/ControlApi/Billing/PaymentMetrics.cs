using Prometheus;

namespace MassRouter.ControlApi.Billing;

/// <summary>The payments' Prometheus series: pending payments the recovery resolved, by outcome.</summary>
internal sealed class PaymentMetrics
{
    private readonly Counter _recovered;

    public PaymentMetrics(CollectorRegistry registry)
    {
        _recovered = Metrics.WithCustomRegistry(registry).CreateCounter(
            "massrouter_payments_recovered_total",
            "Top-up payments left pending by a control API that stopped mid-charge and resolved by the recovery, by outcome (succeeded, failed).",
            "outcome");

        // Both series exist from the start (at 0), so a rate() or an alert sees the first recovery.
        _recovered.WithLabels(BillingRepository.Succeeded);
        _recovered.WithLabels(BillingRepository.Failed);
    }

    public void Recovered(string outcome) => _recovered.WithLabels(outcome).Inc();
}
