namespace MassRouter.ControlApi.Ledger;

/// <summary>Ways usage can be grouped.</summary>
public static class UsageGrouping
{
    public const string Day = "day";
    public const string Model = "model";
    public const string Key = "key";

    /// <summary>The end user the requests were for (<c>""</c>: requests that named none).</summary>
    public const string User = "user";

    public static bool IsValid(string? value) => value is Day or Model or Key or User;
}
