namespace MassRouter.ControlApi.Billing;

public sealed record AdjustmentView(long Id, string Account, long AmountNanos, string Reason, long AdminUserId, long CreatedAt);
