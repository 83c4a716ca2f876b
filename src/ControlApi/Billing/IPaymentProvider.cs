namespace MassRouter.ControlApi.Billing;

/// <summary>Takes money for a top-up. Real card processing plugs in here; development uses <see cref="DevelopmentPaymentProvider"/>.</summary>
public interface IPaymentProvider
{
    /// <summary>Name stored with each payment.</summary>
    string Name { get; }

    Task<PaymentResult> ChargeAsync(PaymentRequest request, CancellationToken cancellationToken);
}

/// <summary>A charge of <c>AmountNanos</c> to <c>Account</c>, requested by <c>UserId</c>.</summary>
public sealed record PaymentRequest(string Account, long UserId, long AmountNanos);

/// <summary>The provider's answer: an external reference when it succeeded, a reason when it did not.</summary>
public sealed record PaymentResult(bool Succeeded, string ExternalId, string? FailureReason = null);
