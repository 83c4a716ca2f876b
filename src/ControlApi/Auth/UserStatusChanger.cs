using MassRouter.ControlApi.Accounts;
using MassRouter.ControlApi.Audit;
using MassRouter.ControlApi.Http;
using MassRouter.ControlApi.Redis;
using MassRouter.Core.Redis;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MassRouter.ControlApi.Auth;

/// <summary>Suspends and reactivates users; a suspension reaches every gateway through the account record.</summary>
internal sealed class UserStatusChanger(UserRepository users, RefreshTokenRepository tokens, RedisState redis, AuditLog audit, TimeProvider time)
{
    public async Task<Results<Ok<UserView>, ProblemHttpResult>> ChangeAsync(HttpContext context, long id, string status)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (!await users.SetStatusAsync(id, status, now))
        {
            return Problems.NotFound("The user");
        }

        if (status == RecordStatus.Suspended)
        {
            await tokens.RevokeAllForUserAsync(id, now);
        }

        await redis.SetAccountStatusAsync(AccountId.User(id), status);
        await audit.WriteAsync(context, status == RecordStatus.Suspended ? "user.suspend" : "user.reactivate", AccountId.User(id));
        var user = await users.FindAsync(id);
        return TypedResults.Ok(user!.ToView());
    }
}
