using System.Globalization;
using MassRouter.Core.Money;

namespace MassRouter.ControlApi.Billing;

/// <summary>Accepts every top-up up to $10,000 without moving real money; for development and tests.</summary>
/// <remarks>
/// The outcome is a pure function of the request (the external id derives from the payment id), so the provider is
/// idempotent by payment id and answers truthfully after a restart, with no state: re-driving the charge of a payment
/// a dead control API left pending gives exactly the answer that process got, or would have got.
/// </remarks>
internal sealed class DevelopmentPaymentProvider : IPaymentProvider
{
    public static readonly long MaxAmountNanos = 10_000 * Nanos.PerDollar;

    public string Name => "development";

    public static string ExternalId(long paymentId) => "dev_" + paymentId.ToString(CultureInfo.InvariantCulture);

    public Task<PaymentResult> ChargeAsync(PaymentRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(request.AmountNanos <= MaxAmountNanos
            ? new PaymentResult(true, ExternalId(request.PaymentId))
            : new PaymentResult(false, "", "The development payment provider accepts at most $10,000 per top-up."));
}
