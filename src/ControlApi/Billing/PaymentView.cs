namespace MassRouter.ControlApi.Billing;

public sealed record PaymentView(long Id, string Account, long UserId, long AmountNanos, string Provider, string ExternalId, string Status, long CreatedAt);
