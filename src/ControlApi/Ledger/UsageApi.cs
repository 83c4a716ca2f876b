using System.Globalization;
using System.Security.Claims;
using System.Text;
using MassRouter.ControlApi.Accounts;
using MassRouter.ControlApi.Http;
using MassRouter.ControlApi.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace MassRouter.ControlApi.Ledger;

/// <summary>Usage from the ledger for a user, a team (any member) or any account (platform admin): grouped, totalled, or as CSV.</summary>
internal static class UsageApi
{
    private static readonly TimeSpan DefaultRange = TimeSpan.FromDays(30);
    private const int MaxFilterLength = 256;

    public static IEndpointRouteBuilder MapUsage(this IEndpointRouteBuilder api)
    {
        var usage = api.MapGroup("/usage").WithTags("Usage");
        usage.MapGet("/", ReportAsync);
        usage.MapGet("/events", EventsAsync);
        usage.MapGet("/export", ExportAsync).Produces(StatusCodes.Status200OK, contentType: "text/csv");
        return api;
    }

    private static async Task<Results<Ok<UsageReport>, ValidationProblem, ProblemHttpResult>> ReportAsync(
        ClaimsPrincipal user, LedgerRepository ledger, AccountAccess access, TimeProvider time,
        long? teamId, string? account, long? from, long? to, string? groupBy, [FromQuery(Name = "user")] string? endUser, int? page, int? pageSize)
    {
        var grouping = groupBy ?? UsageGrouping.Day;
        var errors = new ValidationErrors().Check(UsageGrouping.IsValid(grouping), "groupBy", "Must be day, model, key or user.");
        CheckFilter(errors, "user", endUser);
        var (query, problem) = await ResolveAsync(user, access, time, teamId, account, from, to, errors);
        if (problem is not null)
        {
            return problem;
        }

        if (query.Errors is not null)
        {
            return query.Errors;
        }

        return TypedResults.Ok(await ledger.UsageAsync(query.Account, query.From, query.To, grouping, PageRequest.From(page, pageSize), endUser));
    }

    /// <summary>
    /// The account's events one by one, newest first (what a request cost, by its <c>x-request-id</c>; a key's or a
    /// model's or an end user's recent requests), paged; <c>keyId</c>, <c>model</c>, <c>requestId</c>, <c>status</c> and
    /// <c>user</c> narrow them.
    /// </summary>
    private static async Task<Results<Ok<Page<UsageEventView>>, ValidationProblem, ProblemHttpResult>> EventsAsync(
        ClaimsPrincipal user, LedgerRepository ledger, AccountAccess access, TimeProvider time,
        long? teamId, string? account, long? from, long? to, string? keyId, string? model, string? requestId, string? status,
        [FromQuery(Name = "user")] string? endUser, int? page, int? pageSize)
    {
        var errors = new ValidationErrors();
        foreach (var (name, value) in (ReadOnlySpan<(string, string?)>)[("keyId", keyId), ("model", model), ("requestId", requestId), ("status", status), ("user", endUser)])
        {
            CheckFilter(errors, name, value);
        }

        var (query, problem) = await ResolveAsync(user, access, time, teamId, account, from, to, errors);
        if (problem is not null)
        {
            return problem;
        }

        if (query.Errors is not null)
        {
            return query.Errors;
        }

        var filter = new UsageEventFilter(keyId, model, requestId, status, endUser);
        return TypedResults.Ok(await ledger.EventsPageAsync(query.Account, query.From, query.To, filter, PageRequest.From(page, pageSize)));
    }

    private static async Task<Results<PushStreamHttpResult, ValidationProblem, ProblemHttpResult>> ExportAsync(
        ClaimsPrincipal user, LedgerRepository ledger, AccountAccess access, TimeProvider time, long? teamId, string? account, long? from, long? to)
    {
        var (query, problem) = await ResolveAsync(user, access, time, teamId, account, from, to, new ValidationErrors());
        if (problem is not null)
        {
            return problem;
        }

        if (query.Errors is not null)
        {
            return query.Errors;
        }

        return TypedResults.Stream(async stream =>
        {
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false));
            await writer.WriteLineAsync("event_id,request_id,ended_at,key_id,model,provider,prompt_tokens,completion_tokens,cached_tokens,reasoning_tokens,cost_nanos,cost_usd,status,http_status,estimated,user");
            await foreach (var e in ledger.EventsAsync(query.Account, query.From, query.To))
            {
                var endedAt = DateTimeOffset.FromUnixTimeMilliseconds(e.EndedAt).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
                await writer.WriteLineAsync(string.Join(',',
                    Csv(e.EventId), Csv(e.RequestId), endedAt, Csv(e.KeyId), Csv(e.Model), Csv(e.Provider),
                    Num(e.PromptTokens), Num(e.CompletionTokens), Num(e.CachedTokens), Num(e.ReasoningTokens), Num(e.CostNanos),
                    MassRouter.Core.Money.Nanos.FormatDollars(e.CostNanos), Csv(e.Status), Num(e.HttpStatus), e.Estimated != 0 ? "true" : "false", Csv(Inert(e.EndUser ?? ""))));
            }
        }, "text/csv", "usage.csv");
    }

    private static async Task<(UsageQuery Query, ProblemHttpResult? Problem)> ResolveAsync(
        ClaimsPrincipal user, AccountAccess access, TimeProvider time, long? teamId, string? account, long? from, long? to, ValidationErrors errors)
    {
        var now = time.GetUtcNow();
        var end = to ?? now.AddDays(1).ToUnixTimeMilliseconds();
        var start = from ?? (now - DefaultRange).ToUnixTimeMilliseconds();
        errors.Check(start < end, "from", "Must be before 'to'.")
            .Check(account is null || AccountId.IsValid(account), "account", "Must be an account id (u_<n> or t_<n>).")
            .Check(account is null || teamId is null, "account", "Give either account or teamId.");
        if (!errors.IsValid)
        {
            return (new UsageQuery("", 0, 0, errors.Problem()), null);
        }

        var target = account ?? AccountId.Of(user.UserId(), teamId);
        var denied = await access.DenyAsync(user, target, AccessLevel.Member, "The account");
        return (new UsageQuery(target, start, end, null), denied);
    }

    private static void CheckFilter(ValidationErrors errors, string name, string? value) =>
        errors.Check(value is null || (value.Length is > 0 and <= MaxFilterLength), name, $"Must be 1 to {MaxFilterLength} characters.");

    /// <summary>
    /// Text a client chose (the end user), made inert for a spreadsheet: a leading <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>
    /// or control character would make it a formula, so a <c>'</c> goes before it (OWASP's advice for CSV).
    /// </summary>
    private static string Inert(string value) =>
        value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' ? "'" + value : value;

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    private readonly record struct UsageQuery(string Account, long From, long To, ValidationProblem? Errors);
}
