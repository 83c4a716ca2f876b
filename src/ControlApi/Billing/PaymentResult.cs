namespace MassRouter.ControlApi.Billing;

/// <summary>The provider's answer: an external reference when it succeeded, a reason when it did not.</summary>
public sealed record PaymentResult(bool Succeeded, string ExternalId, string? FailureReason = null);
