using System.Globalization;

namespace MassRouter.ControlApi.Accounts;

/// <summary>Account ids as the Redis layout names them: <c>u_&lt;n&gt;</c> for a user, <c>t_&lt;n&gt;</c> for a team.</summary>
internal static class AccountId
{
    public static string User(long userId) => "u_" + userId.ToString(CultureInfo.InvariantCulture);

    public static string Team(long teamId) => "t_" + teamId.ToString(CultureInfo.InvariantCulture);

    /// <summary>The caller's own account, or the team's when <paramref name="teamId"/> is given.</summary>
    public static string Of(long userId, long? teamId) => teamId is { } team ? Team(team) : User(userId);

    public static bool TryParseUser(string account, out long userId) => TryParse(account, "u_", out userId);

    public static bool TryParseTeam(string account, out long teamId) => TryParse(account, "t_", out teamId);

    public static bool IsValid(string? account) => account is not null && (TryParseUser(account, out _) || TryParseTeam(account, out _));

    private static bool TryParse(string account, string prefix, out long id)
    {
        id = 0;
        return account.StartsWith(prefix, StringComparison.Ordinal)
            && long.TryParse(account.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out id);
    }
}
