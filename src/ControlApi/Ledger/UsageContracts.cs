namespace MassRouter.ControlApi.Ledger;

/// <summary>Ways usage can be grouped.</summary>
public static class UsageGrouping
{
    public const string Day = "day";
    public const string Model = "model";
    public const string Key = "key";

    public static bool IsValid(string? value) => value is Day or Model or Key;
}

/// <summary>One group: a UTC day (<c>yyyy-MM-dd</c>), a model id or a key id.</summary>
public sealed record UsageRow(string Key, long Requests, long PromptTokens, long CompletionTokens, long CachedTokens, long CostNanos);

public sealed record UsageTotals(long Requests, long PromptTokens, long CompletionTokens, long CachedTokens, long CostNanos);

/// <summary>Usage of one account in a time range: the groups (paged) and the totals over all of them.</summary>
public sealed record UsageReport(string Account, string GroupBy, Storage.Page<UsageRow> Groups, UsageTotals Totals);
