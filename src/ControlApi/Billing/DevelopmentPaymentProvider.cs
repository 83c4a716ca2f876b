using MassRouter.Core.Money;

namespace MassRouter.ControlApi.Billing;

/// <summary>Accepts every top-up up to $10,000 without moving real money; for development and tests.</summary>
internal sealed class DevelopmentPaymentProvider : IPaymentProvider
{
    public static readonly long MaxAmountNanos = 10_000 * Nanos.PerDollar;

    public string Name => "development";

    public Task<PaymentResult> ChargeAsync(PaymentRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(request.AmountNanos <= MaxAmountNanos
            ? new PaymentResult(true, "dev_" + Guid.NewGuid().ToString("N"))
            : new PaymentResult(false, "", "The development payment provider accepts at most $10,000 per top-up."));
}
