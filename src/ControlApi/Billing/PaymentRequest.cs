namespace MassRouter.ControlApi.Billing;

/// <summary>A charge of <c>AmountNanos</c> to <c>Account</c>, requested by <c>UserId</c>.</summary>
public sealed record PaymentRequest(string Account, long UserId, long AmountNanos);
