using System.Security.Claims;
using MassRouter.ControlApi.Http;
using MassRouter.ControlApi.Teams;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MassRouter.ControlApi.Accounts;

/// <summary>Decides what the caller may do with an account (their own, a team's, or any for a platform admin).</summary>
internal sealed class AccountAccess(TeamRepository teams)
{
    public async Task<AccessLevel> LevelAsync(ClaimsPrincipal user, string account)
    {
        if (user.IsPlatformAdmin())
        {
            return AccessLevel.Owner;
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
