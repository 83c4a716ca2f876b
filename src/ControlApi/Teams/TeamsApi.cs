using System.Security.Claims;
using MassRouter.ControlApi.Accounts;
using MassRouter.ControlApi.Audit;
using MassRouter.ControlApi.Auth;
using MassRouter.ControlApi.Http;
using MassRouter.ControlApi.Redis;
using MassRouter.ControlApi.Storage;
using MassRouter.Core.Redis;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MassRouter.ControlApi.Teams;

/// <summary>
/// Teams: members see the team; admins manage members (role member) and keys; owners also grant admin/owner and set
/// limits and caps. A non-member gets 404 for everything.
/// </summary>
internal static class TeamsApi
{
    public static IEndpointRouteBuilder MapTeams(this IEndpointRouteBuilder api)
    {
        var teams = api.MapGroup("/teams").WithTags("Teams");
        teams.MapPost("/", CreateAsync);
        teams.MapGet("/", async (ClaimsPrincipal user, TeamRepository repository, int? page, int? pageSize) =>
            TypedResults.Ok(await repository.ListForUserAsync(user.UserId(), PageRequest.From(page, pageSize))));
        teams.MapGet("/{id:long}", GetAsync);
        teams.MapPatch("/{id:long}", UpdateAsync);
        teams.MapGet("/{id:long}/members", MembersAsync);
        teams.MapPost("/{id:long}/members", AddMemberAsync);
        teams.MapPatch("/{id:long}/members/{userId:long}", ChangeRoleAsync);
        teams.MapDelete("/{id:long}/members/{userId:long}", RemoveMemberAsync);
        return api;
    }

    private static async Task<Results<Created<TeamView>, ValidationProblem>> CreateAsync(
        CreateTeamRequest request, HttpContext context, TeamRepository teams, RedisState redis, AuditLog audit, TimeProvider time)
    {
        var errors = new ValidationErrors().Text(request.Name, "name", 100);
        if (!errors.IsValid)
        {
            return errors.Problem();
        }

        var team = await teams.CreateAsync(request.Name!.Trim(), context.User.UserId(), time.GetUtcNow().ToUnixTimeMilliseconds());
        await redis.WriteAccountAsync(AccountId.Team(team.Id), new AccountRecord(RecordStatus.Active));
        await audit.WriteAsync(context, "team.create", AccountId.Team(team.Id));
        return TypedResults.Created($"/api/teams/{team.Id}", team.ToView(TeamRoles.Owner));
    }

    private static async Task<Results<Ok<TeamView>, ProblemHttpResult>> GetAsync(long id, ClaimsPrincipal user, TeamRepository teams, AccountAccess access)
    {
        if (await access.DenyAsync(user, AccountId.Team(id), AccessLevel.Member, "The team") is { } denied)
        {
            return denied;
        }

        var team = await teams.FindAsync(id);
        return team is null ? Problems.NotFound("The team") : TypedResults.Ok(team.ToView(await teams.GetRoleAsync(id, user.UserId())));
    }

    private static async Task<Results<Ok<TeamView>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        long id, UpdateTeamRequest request, HttpContext context, TeamRepository teams, AccountAccess access, RedisState redis, AuditLog audit, TimeProvider time)
    {
        var changesLimits = request.Rpm is not null || request.Tpm is not null || request.DailyCapNanos is not null || request.MonthlyCapNanos is not null;
        if (await access.DenyAsync(context.User, AccountId.Team(id), changesLimits ? AccessLevel.Owner : AccessLevel.Admin, "The team") is { } denied)
        {
            return denied;
        }

        var errors = new ValidationErrors().Text(request.Name, "name", 100, required: false)
            .NotNegative(request.Rpm, "rpm").NotNegative(request.Tpm, "tpm")
            .NotNegative(request.DailyCapNanos, "dailyCapNanos").NotNegative(request.MonthlyCapNanos, "monthlyCapNanos");
        if (!errors.IsValid)
        {
            return errors.Problem();
        }

        var team = await teams.FindAsync(id);
        if (team is null)
        {
            return Problems.NotFound("The team");
        }

        team.Name = string.IsNullOrWhiteSpace(request.Name) ? team.Name : request.Name.Trim();
        team.Rpm = request.Rpm ?? team.Rpm;
        team.Tpm = request.Tpm ?? team.Tpm;
        team.DailyCapNanos = request.DailyCapNanos ?? team.DailyCapNanos;
        team.MonthlyCapNanos = request.MonthlyCapNanos ?? team.MonthlyCapNanos;
        await teams.UpdateAsync(team, time.GetUtcNow().ToUnixTimeMilliseconds());
        if (changesLimits)
        {
            await redis.WriteAccountAsync(AccountId.Team(id), new AccountRecord(RecordStatus.Active, team.Rpm, team.Tpm, team.DailyCapNanos, team.MonthlyCapNanos));
        }

        await audit.WriteAsync(context, "team.update", AccountId.Team(id));
        return TypedResults.Ok(team.ToView(await teams.GetRoleAsync(id, context.User.UserId())));
    }

    private static async Task<Results<Ok<Page<TeamMemberView>>, ProblemHttpResult>> MembersAsync(
        long id, ClaimsPrincipal user, TeamRepository teams, AccountAccess access, int? page, int? pageSize)
    {
        if (await access.DenyAsync(user, AccountId.Team(id), AccessLevel.Member, "The team") is { } denied)
        {
            return denied;
        }

        return TypedResults.Ok(await teams.MembersAsync(id, PageRequest.From(page, pageSize)));
    }

    private static async Task<Results<Created<TeamMemberView>, ValidationProblem, ProblemHttpResult>> AddMemberAsync(
        long id, AddMemberRequest request, HttpContext context, TeamRepository teams, UserRepository users, AccountAccess access, AuditLog audit, TimeProvider time)
    {
        var role = request.Role ?? TeamRoles.Member;
        if (await access.DenyAsync(context.User, AccountId.Team(id), role == TeamRoles.Member ? AccessLevel.Admin : AccessLevel.Owner, "The team") is { } denied)
        {
            return denied;
        }

        var errors = new ValidationErrors().Check(TeamRoles.IsValid(role), "role", "Must be owner, admin or member.").Text(request.Email, "email", 254);
        var user = errors.IsValid ? await users.FindByEmailAsync(AuthApi.NormalizeEmail(request.Email)) : null;
        errors.Check(!errors.IsValid || user is not null, "email", "No user has this e-mail.");
        if (!errors.IsValid)
        {
            return errors.Problem();
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (!await teams.AddMemberAsync(id, user!.Id, role, now))
        {
            return Problems.Conflict("The user is already a member.");
        }

        await audit.WriteAsync(context, "team.member_add", AccountId.Team(id), $"user {user.Id} as {role}");
        return TypedResults.Created($"/api/teams/{id}/members/{user.Id}", new TeamMemberView(user.Id, user.Email, user.DisplayName, role, now));
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangeRoleAsync(
        long id, long userId, ChangeRoleRequest request, HttpContext context, TeamRepository teams, AccountAccess access, AuditLog audit)
    {
        if (await access.DenyAsync(context.User, AccountId.Team(id), AccessLevel.Owner, "The team") is { } denied)
        {
            return denied;
        }

        if (!TeamRoles.IsValid(request.Role))
        {
            return new ValidationErrors().Add("role", "Must be owner, admin or member.").Problem();
        }

        var current = await teams.GetRoleAsync(id, userId);
        if (current is null)
        {
            return Problems.NotFound("The member");
        }

        if (current == TeamRoles.Owner && request.Role != TeamRoles.Owner && await teams.CountOwnersAsync(id) == 1)
        {
            return Problems.Conflict("A team keeps at least one owner.");
        }

        await teams.SetRoleAsync(id, userId, request.Role!);
        await audit.WriteAsync(context, "team.member_role", AccountId.Team(id), $"user {userId} to {request.Role}");
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveMemberAsync(
        long id, long userId, HttpContext context, TeamRepository teams, AccountAccess access, AuditLog audit)
    {
        var self = userId == context.User.UserId();
        var current = await teams.GetRoleAsync(id, userId);

        // Anyone may leave; removing others takes admin, and removing an admin or owner takes owner.
        var required = self ? AccessLevel.Member : current is TeamRoles.Member or null ? AccessLevel.Admin : AccessLevel.Owner;
        if (await access.DenyAsync(context.User, AccountId.Team(id), required, "The team") is { } denied)
        {
            return denied;
        }

        if (current is null)
        {
            return Problems.NotFound("The member");
        }

        if (current == TeamRoles.Owner && await teams.CountOwnersAsync(id) == 1)
        {
            return Problems.Conflict("A team keeps at least one owner.");
        }

        await teams.RemoveMemberAsync(id, userId);
        await audit.WriteAsync(context, "team.member_remove", AccountId.Team(id), $"user {userId}");
        return TypedResults.NoContent();
    }
}
