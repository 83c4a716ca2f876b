namespace MassRouter.ControlApi.Billing;

/// <summary>
/// A charge of <c>AmountNanos</c> to <c>Account</c>, requested by <c>UserId</c>, for the reserved payment row
/// <c>PaymentId</c> (the provider's idempotency key: the same payment id is never charged twice).
/// </summary>
public sealed record PaymentRequest(long PaymentId, string Account, long UserId, long AmountNanos);
