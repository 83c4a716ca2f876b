using System.Security.Claims;
using MassRouter.ControlApi.Accounts;
using MassRouter.ControlApi.Audit;
using MassRouter.ControlApi.Configuration;
using MassRouter.ControlApi.Http;
using MassRouter.ControlApi.Redis;
using MassRouter.ControlApi.Storage;
using MassRouter.Core.Redis;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace MassRouter.ControlApi.Keys;

/// <summary>
/// API keys of the caller or of a team. Every change is written to <c>mr:key:&lt;hash&gt;</c> and announced on
/// <c>mr:events</c> right after the database commit, and audited.
/// </summary>
internal static class KeysApi
{
    /// <summary>The longest rotation grace (one year): longer ones would overflow the expiry in milliseconds.</summary>
    public const long MaxGraceSeconds = 365L * 24 * 3600;

    public static IEndpointRouteBuilder MapKeys(this IEndpointRouteBuilder api)
    {
        var keys = api.MapGroup("/keys").WithTags("Keys");
        keys.MapPost("/", CreateAsync);
        keys.MapGet("/", ListAsync);
        keys.MapGet("/{id:long}", GetAsync);
        keys.MapPatch("/{id:long}", UpdateAsync);
        keys.MapPost("/{id:long}/revoke", RevokeAsync);
        keys.MapPost("/{id:long}/rotate", RotateAsync);
        return api;
    }

    private static async Task<Results<Created<CreatedKey>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateKeyRequest request, HttpContext context, KeyRepository keys, AccountAccess access, RedisState redis, AuditLog audit, TimeProvider time)
    {
        var account = AccountId.Of(context.User.UserId(), request.TeamId);
        if (await access.DenyAsync(context.User, account, AccessLevel.Admin, "The team") is { } denied)
        {
            return denied;
        }

        var errors = Validate(request.Name, request.Models, request.Rpm, request.Tpm, request.MaxConcurrency, request.DailyCapNanos, request.MonthlyCapNanos, request.ExpiresAt, nameRequired: true)
            .NotNegative(request.EndUserDailyCapNanos, "endUserDailyCapNanos").NotNegative(request.EndUserMonthlyCapNanos, "endUserMonthlyCapNanos")
            .NotNegative(request.EndUserRpm, "endUserRpm");
        if (!errors.IsValid)
        {
            return errors.Problem();
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var secret = KeySecret.New();
        var key = await keys.CreateAsync(new KeyRow
        {
            Account = account,
            CreatedBy = context.User.UserId(),
            Name = request.Name!.Trim(),
            Prefix = KeySecret.DisplayPrefix(secret),
            KeyHash = KeySecret.Hash(secret),
            Status = RecordStatus.Active,
            Models = JoinModels(request.Models),
            Rpm = request.Rpm ?? 0,
            Tpm = request.Tpm ?? 0,
            MaxConcurrency = request.MaxConcurrency ?? 0,
            DailyCapNanos = request.DailyCapNanos ?? 0,
            MonthlyCapNanos = request.MonthlyCapNanos ?? 0,
            EndUserDailyCapNanos = request.EndUserDailyCapNanos ?? 0,
            EndUserMonthlyCapNanos = request.EndUserMonthlyCapNanos ?? 0,
            EndUserRpm = request.EndUserRpm ?? 0,
            ExpiresAt = request.ExpiresAt ?? 0,
            CreatedAt = now,
            UpdatedAt = now,
        });
        await redis.WriteKeyAsync(key.ToRecord());
        await audit.WriteAsync(context, "key.create", "key:" + key.KeyId, $"account {account}");
        return TypedResults.Created($"/api/keys/{key.Id}", new CreatedKey(key.ToView(), secret));
    }

    private static async Task<Results<Ok<Page<KeyView>>, ProblemHttpResult>> ListAsync(
        ClaimsPrincipal user, KeyRepository keys, AccountAccess access, long? teamId, int? page, int? pageSize)
    {
        var account = AccountId.Of(user.UserId(), teamId);
        if (await access.DenyAsync(user, account, AccessLevel.Member, "The team") is { } denied)
        {
            return denied;
        }

        return TypedResults.Ok(await keys.ListAsync(account, PageRequest.From(page, pageSize)));
    }

    private static async Task<Results<Ok<KeyView>, ProblemHttpResult>> GetAsync(long id, ClaimsPrincipal user, KeyRepository keys, AccountAccess access)
    {
        var (key, denied) = await FindAsync(id, user, keys, access, AccessLevel.Member);
        return denied ?? (Results<Ok<KeyView>, ProblemHttpResult>)TypedResults.Ok(key!.ToView());
    }

    private static async Task<Results<Ok<KeyView>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        long id, UpdateKeyRequest request, HttpContext context, KeyRepository keys, AccountAccess access, RedisState redis, AuditLog audit, TimeProvider time)
    {
        var (key, denied) = await FindAsync(id, context.User, keys, access, AccessLevel.Admin);
        if (denied is not null)
        {
            return denied;
        }

        var errors = Validate(request.Name, request.Models, request.Rpm, request.Tpm, request.MaxConcurrency, request.DailyCapNanos, request.MonthlyCapNanos, request.ExpiresAt, nameRequired: false)
            .NotNegative(request.EndUserDailyCapNanos, "endUserDailyCapNanos").NotNegative(request.EndUserMonthlyCapNanos, "endUserMonthlyCapNanos")
            .NotNegative(request.EndUserRpm, "endUserRpm");
        if (!errors.IsValid)
        {
            return errors.Problem();
        }

        key!.Name = string.IsNullOrWhiteSpace(request.Name) ? key.Name : request.Name.Trim();
        key.Models = request.Models is null ? key.Models : JoinModels(request.Models);
        key.Rpm = request.Rpm ?? key.Rpm;
        key.Tpm = request.Tpm ?? key.Tpm;
        key.MaxConcurrency = request.MaxConcurrency ?? key.MaxConcurrency;
        key.DailyCapNanos = request.DailyCapNanos ?? key.DailyCapNanos;
        key.MonthlyCapNanos = request.MonthlyCapNanos ?? key.MonthlyCapNanos;
        key.EndUserDailyCapNanos = request.EndUserDailyCapNanos ?? key.EndUserDailyCapNanos;
        key.EndUserMonthlyCapNanos = request.EndUserMonthlyCapNanos ?? key.EndUserMonthlyCapNanos;
        key.EndUserRpm = request.EndUserRpm ?? key.EndUserRpm;
        key.ExpiresAt = request.ExpiresAt ?? key.ExpiresAt;
        key.UpdatedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
        await keys.UpdateAsync(key);
        await redis.WriteKeyAsync(key.ToRecord());
        await audit.WriteAsync(context, "key.update", "key:" + key.KeyId);
        return TypedResults.Ok(key.ToView());
    }

    private static async Task<Results<Ok<KeyView>, ProblemHttpResult>> RevokeAsync(
        long id, HttpContext context, KeyRepository keys, AccountAccess access, RedisState redis, AuditLog audit, TimeProvider time)
    {
        var (key, denied) = await FindAsync(id, context.User, keys, access, AccessLevel.Admin);
        if (denied is not null)
        {
            return denied;
        }

        key!.Status = RecordStatus.Revoked;
        key.UpdatedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
        await keys.UpdateAsync(key);
        await redis.WriteKeyAsync(key.ToRecord());
        await audit.WriteAsync(context, "key.revoke", "key:" + key.KeyId);
        return TypedResults.Ok(key.ToView());
    }

    private static async Task<Results<Ok<CreatedKey>, ValidationProblem, ProblemHttpResult>> RotateAsync(
        long id, RotateKeyRequest? request, HttpContext context, KeyRepository keys, AccountAccess access, RedisState redis, AuditLog audit,
        IOptions<ControlApiOptions> options, TimeProvider time)
    {
        var (old, denied) = await FindAsync(id, context.User, keys, access, AccessLevel.Admin);
        if (denied is not null)
        {
            return denied;
        }

        if (request?.GraceSeconds is < 0 or > MaxGraceSeconds)
        {
            return new ValidationErrors().Add("graceSeconds", $"Must be 0 to {MaxGraceSeconds} seconds (one year).").Problem();
        }

        if (old!.Status != RecordStatus.Active)
        {
            return Problems.Conflict("Only an active key can be rotated.");
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var graceMs = request?.GraceSeconds is { } seconds ? seconds * 1000 : (long)options.Value.KeyRotationGrace.TotalMilliseconds;
        var secret = KeySecret.New();
        var next = await keys.CreateAsync(new KeyRow
        {
            Account = old.Account,
            CreatedBy = context.User.UserId(),
            Name = old.Name,
            Prefix = KeySecret.DisplayPrefix(secret),
            KeyHash = KeySecret.Hash(secret),
            Status = RecordStatus.Active,
            Models = old.Models,
            Rpm = old.Rpm,
            Tpm = old.Tpm,
            MaxConcurrency = old.MaxConcurrency,
            DailyCapNanos = old.DailyCapNanos,
            MonthlyCapNanos = old.MonthlyCapNanos,
            EndUserDailyCapNanos = old.EndUserDailyCapNanos,
            EndUserMonthlyCapNanos = old.EndUserMonthlyCapNanos,
            EndUserRpm = old.EndUserRpm,
            ExpiresAt = old.ExpiresAt,
            CreatedAt = now,
            UpdatedAt = now,
        });

        // The old key keeps working until the grace ends (an earlier expiry of its own still wins).
        var graceEnd = Math.Max(now + graceMs, now + 1);
        old.ExpiresAt = old.ExpiresAt == 0 ? graceEnd : Math.Min(old.ExpiresAt, graceEnd);
        old.RotatedTo = next.Id;
        old.UpdatedAt = now;
        await keys.UpdateAsync(old);
        await redis.WriteKeyAsync(next.ToRecord());
        await redis.WriteKeyAsync(old.ToRecord());
        await audit.WriteAsync(context, "key.rotate", "key:" + old.KeyId, $"replaced by key {next.KeyId}");
        return TypedResults.Ok(new CreatedKey(next.ToView(), secret));
    }

    private static async Task<(KeyRow? Key, ProblemHttpResult? Denied)> FindAsync(long id, ClaimsPrincipal user, KeyRepository keys, AccountAccess access, AccessLevel required)
    {
        var key = await keys.FindAsync(id);
        if (key is null)
        {
            return (null, Problems.NotFound("The key"));
        }

        return await access.DenyAsync(user, key.Account, required, "The key") is { } denied ? (null, denied) : (key, null);
    }

    private static ValidationErrors Validate(
        string? name, IReadOnlyList<string>? models, long? rpm, long? tpm, long? maxConcurrency, long? dailyCap, long? monthlyCap, long? expiresAt, bool nameRequired) =>
        new ValidationErrors()
            .Text(name, "name", 100, nameRequired)
            .Check(models is null || models.All(m => !string.IsNullOrWhiteSpace(m) && !m.Contains(',', StringComparison.Ordinal) && m.Length <= 200), "models", "Each model id must be non-empty, at most 200 characters, without commas.")
            .NotNegative(rpm, "rpm").NotNegative(tpm, "tpm").NotNegative(maxConcurrency, "maxConcurrency")
            .NotNegative(dailyCap, "dailyCapNanos").NotNegative(monthlyCap, "monthlyCapNanos").NotNegative(expiresAt, "expiresAt");

    private static string JoinModels(IReadOnlyList<string>? models) => models is null ? "" : string.Join(',', models.Select(m => m.Trim()).Distinct(StringComparer.Ordinal));
}
