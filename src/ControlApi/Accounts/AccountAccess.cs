using System.Security.Claims;
using MassRouter.ControlApi.Auth;
using MassRouter.ControlApi.Http;
using MassRouter.ControlApi.Teams;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MassRouter.ControlApi.Accounts;

/// <summary>Decides what the caller may do with an account (their own, a team's, or any for a platform admin).</summary>
internal sealed class AccountAccess(TeamRepository teams, UserRepository users)
{
    public async Task<AccessLevel> LevelAsync(ClaimsPrincipal user, string account)
    {
        if (user.IsPlatformAdmin())
        {
            // Admins reach every account that exists, and none that does not (no orphan keys or credits).
            return await ExistsAsync(account) ? AccessLevel.Owner : AccessLevel.None;
        }

        if (AccountId.TryParseUser(account, out var userId))
        {
            return userId == user.UserId() ? AccessLevel.Owner : AccessLevel.None;
        }

        if (AccountId.TryParseTeam(account, out var teamId))
        {
            return await teams.GetRoleAsync(teamId, user.UserId()) switch
            {
                TeamRoles.Owner => AccessLevel.Owner,
                TeamRoles.Admin => AccessLevel.Admin,
                TeamRoles.Member => AccessLevel.Member,
                _ => AccessLevel.None,
            };
        }

        return AccessLevel.None;
    }

    /// <summary>True when <paramref name="account"/> names an existing user or team.</summary>
    public async Task<bool> ExistsAsync(string account) =>
        (AccountId.TryParseUser(account, out var userId) && await users.FindAsync(userId) is not null)
        || (AccountId.TryParseTeam(account, out var teamId) && await teams.FindAsync(teamId) is not null);

    /// <summary>Null when the caller has at least <paramref name="required"/>; otherwise the 404 or 403 to answer with.</summary>
    public async Task<ProblemHttpResult?> DenyAsync(ClaimsPrincipal user, string account, AccessLevel required, string what)
    {
        var level = await LevelAsync(user, account);
        if (level == AccessLevel.None)
        {
            return Problems.NotFound(what);
        }

        return level < required ? Problems.Forbidden($"Your role does not allow this on {what}.") : null;
    }
}
