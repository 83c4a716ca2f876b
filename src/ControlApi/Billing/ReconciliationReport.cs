namespace MassRouter.ControlApi.Billing;

/// <summary>A page of accounts, and how many of them drift.</summary>
public sealed record ReconciliationReport(Storage.Page<ReconciliationRow> Accounts, int DriftingOnPage);
