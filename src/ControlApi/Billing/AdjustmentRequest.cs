namespace MassRouter.ControlApi.Billing;

/// <summary>An admin credit (positive) or debit (negative) with a mandatory reason.</summary>
public sealed record AdjustmentRequest(string? Account, long? AmountNanos, string? Reason);
