namespace MassRouter.ControlApi.Billing;

/// <summary>Takes money for a top-up. Real card processing plugs in here; development uses <see cref="DevelopmentPaymentProvider"/>.</summary>
public interface IPaymentProvider
{
    /// <summary>Name stored with each payment.</summary>
    string Name { get; }

    Task<PaymentResult> ChargeAsync(PaymentRequest request, CancellationToken cancellationToken);
}
