namespace MassRouter.ControlApi.Billing;

/// <summary>Takes money for a top-up. Real card processing plugs in here; development uses <see cref="DevelopmentPaymentProvider"/>.</summary>
/// <remarks>
/// <see cref="ChargeAsync"/> must be idempotent by <see cref="PaymentRequest.PaymentId"/>: a second call for the same
/// payment returns the first call's outcome (same external id) and moves no money again; a call for a payment the
/// provider has never seen charges it. The pending-payment recovery relies on this to finish a top-up whose control API
/// died mid-charge without knowing whether the charge happened (a real provider passes the payment id as its own
/// idempotency key, or looks the charge up by it first, and must remember it for as long as a payment can stay pending).
/// </remarks>
public interface IPaymentProvider
{
    /// <summary>Name stored with each payment.</summary>
    string Name { get; }

    /// <summary>Charges the payment, or returns the outcome of its earlier charge (idempotent by payment id).</summary>
    Task<PaymentResult> ChargeAsync(PaymentRequest request, CancellationToken cancellationToken);
}
