namespace MassRouter.ControlApi.Ledger;

/// <summary>What <c>GET /api/usage/events</c> narrows an account's events to; a null field matches every event.</summary>
internal sealed record UsageEventFilter(string? KeyId, string? Model, string? RequestId, string? Status, string? User = null);
