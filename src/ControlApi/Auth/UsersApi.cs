using MassRouter.ControlApi.Accounts;
using MassRouter.ControlApi.Audit;
using MassRouter.ControlApi.Http;
using MassRouter.ControlApi.Storage;
using MassRouter.Core.Redis;
using Microsoft.AspNetCore.Http.HttpResults;
using System.Security.Claims;

namespace MassRouter.ControlApi.Auth;

/// <summary>The caller's profile, and user administration for platform admins.</summary>
internal static class UsersApi
{
    public static IEndpointRouteBuilder MapUsers(this IEndpointRouteBuilder api)
    {
        var me = api.MapGroup("/me").WithTags("Profile");
        me.MapGet("/", GetProfileAsync);
        me.MapPatch("/", UpdateProfileAsync);

        var admin = api.MapGroup("/admin/users").WithTags("Admin: users").RequireAuthorization(Roles.AdminPolicy);
        admin.MapGet("/", async (UserRepository users, int? page, int? pageSize) => TypedResults.Ok(await users.ListAsync(PageRequest.From(page, pageSize))));
        admin.MapPost("/{id:long}/suspend", (long id, HttpContext context, UserStatusChanger changer) => changer.ChangeAsync(context, id, RecordStatus.Suspended));
        admin.MapPost("/{id:long}/reactivate", (long id, HttpContext context, UserStatusChanger changer) => changer.ChangeAsync(context, id, RecordStatus.Active));
        admin.MapPost("/{id:long}/role", SetRoleAsync);
        return api;
    }

    private static async Task<Results<Ok<UserView>, ValidationProblem, ProblemHttpResult>> SetRoleAsync(
        long id, ChangeUserRoleRequest request, HttpContext context, UserRepository users, AuditLog audit, TimeProvider time)
    {
        if (request.Role is not (Roles.Admin or Roles.User))
        {
            return new ValidationErrors().Add("role", "Must be admin or user.").Problem();
        }

        if (id == context.User.UserId() && request.Role != Roles.Admin)
        {
            return Problems.Conflict("Admins cannot remove their own admin role.");
        }

        if (!await users.SetRoleAsync(id, request.Role, time.GetUtcNow().ToUnixTimeMilliseconds()))
        {
            return Problems.NotFound("The user");
        }

        await audit.WriteAsync(context, "user.role", AccountId.User(id), request.Role);
        return TypedResults.Ok((await users.FindAsync(id))!.ToView());
    }

    private static async Task<Results<Ok<UserView>, ProblemHttpResult>> GetProfileAsync(ClaimsPrincipal principal, UserRepository users) =>
        await users.FindAsync(principal.UserId()) is { } user ? TypedResults.Ok(user.ToView()) : Problems.NotFound("The user");

    private static async Task<Results<Ok<UserView>, ValidationProblem, ProblemHttpResult>> UpdateProfileAsync(
        UpdateProfileRequest request, ClaimsPrincipal principal, UserRepository users, PasswordHasher hasher, TimeProvider time)
    {
        var user = await users.FindAsync(principal.UserId());
        if (user is null)
        {
            return Problems.NotFound("The user");
        }

        var errors = new ValidationErrors().Text(request.DisplayName, "displayName", 100, required: false);
        if (request.NewPassword is not null)
        {
            AuthApi.ValidatePassword(errors, request.NewPassword, "newPassword");
            errors.Check(request.CurrentPassword is not null && hasher.Verify(request.CurrentPassword, user.PasswordHash), "currentPassword", "Does not match the current password.");
        }

        if (!errors.IsValid)
        {
            return errors.Problem();
        }

        var displayName = string.IsNullOrWhiteSpace(request.DisplayName) ? user.DisplayName : request.DisplayName.Trim();
        var passwordHash = request.NewPassword is null ? user.PasswordHash : hasher.Hash(request.NewPassword);
        await users.UpdateProfileAsync(user.Id, displayName, passwordHash, time.GetUtcNow().ToUnixTimeMilliseconds());
        user.DisplayName = displayName;
        return TypedResults.Ok(user.ToView());
    }
}
