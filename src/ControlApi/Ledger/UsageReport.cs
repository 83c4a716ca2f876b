namespace MassRouter.ControlApi.Ledger;

/// <summary>Usage of one account in a time range: the groups (paged) and the totals over all of them.</summary>
public sealed record UsageReport(string Account, string GroupBy, Storage.Page<UsageRow> Groups, UsageTotals Totals);
