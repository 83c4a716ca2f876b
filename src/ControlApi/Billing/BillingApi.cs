using System.Globalization;
using System.Security.Claims;
using MassRouter.ControlApi.Accounts;
using MassRouter.ControlApi.Audit;
using MassRouter.ControlApi.Auth;
using MassRouter.ControlApi.Http;
using MassRouter.ControlApi.Ledger;
using MassRouter.ControlApi.Redis;
using MassRouter.ControlApi.Storage;
using MassRouter.Core.Money;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MassRouter.ControlApi.Billing;

/// <summary>Balances, top-ups, admin adjustments and the ledger-versus-Redis reconciliation.</summary>
internal static class BillingApi
{
    public static IEndpointRouteBuilder MapBilling(this IEndpointRouteBuilder api)
    {
        var billing = api.MapGroup("/billing").WithTags("Billing");
        billing.MapGet("/balance", BalanceAsync);
        billing.MapPost("/topups", TopUpAsync);
        billing.MapGet("/payments", PaymentsAsync);
        billing.MapGet("/adjustments", AdjustmentsAsync);

        var admin = api.MapGroup("/admin").WithTags("Admin: billing").RequireAuthorization(Roles.AdminPolicy);
        admin.MapPost("/adjustments", AdjustAsync);
        admin.MapGet("/reconciliation", ReconcileAsync);
        return api;
    }

    internal static string FormatUsd(long nanos) => Nanos.ToDollars(nanos).ToString("0.00########", CultureInfo.InvariantCulture);

    private static async Task<Results<Ok<BalanceView>, ProblemHttpResult>> BalanceAsync(
        ClaimsPrincipal user, BillingRepository billing, RedisState redis, AccountAccess access, long? teamId)
    {
        var account = AccountId.Of(user.UserId(), teamId);
        if (await access.DenyAsync(user, account, AccessLevel.Member, "The team") is { } denied)
        {
            return denied;
        }

        var sums = await billing.BalanceAsync(account);
        return TypedResults.Ok(new BalanceView(account, sums.Payments, sums.Adjustments, sums.Usage, sums.Balance, await redis.GetBalanceAsync(account), FormatUsd(sums.Balance)));
    }

    private static async Task<Results<Created<PaymentView>, ValidationProblem, ProblemHttpResult>> TopUpAsync(
        TopUpRequest request, HttpContext context, BillingRepository billing, IPaymentProvider payments, RedisState redis, AccountAccess access, AuditLog audit, TimeProvider time)
    {
        var account = AccountId.Of(context.User.UserId(), request.TeamId);
        if (await access.DenyAsync(context.User, account, AccessLevel.Admin, "The team") is { } denied)
        {
            return denied;
        }

        var errors = new ValidationErrors()
            .Check(request.AmountUsd is > 0m && decimal.Round(request.AmountUsd.Value, 2) == request.AmountUsd.Value, "amountUsd", "Must be a positive amount in dollars with at most 2 decimals.");
        if (!errors.IsValid)
        {
            return errors.Problem();
        }

        var amount = Nanos.FromDollars(request.AmountUsd!.Value);
        var result = await payments.ChargeAsync(new PaymentRequest(account, context.User.UserId(), amount), context.RequestAborted);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var payment = await billing.AddPaymentAsync(account, context.User.UserId(), amount, payments.Name, result.ExternalId,
            result.Succeeded ? BillingRepository.Succeeded : BillingRepository.Failed, now);
        if (!result.Succeeded)
        {
            return Problems.PaymentFailed(result.FailureReason ?? "The payment was declined.");
        }

        await redis.AddBalanceAsync(account, amount, markPaid: true);
        await audit.WriteAsync(context, "billing.topup", account, $"{FormatUsd(amount)} USD, payment {payment.Id}");
        return TypedResults.Created($"/api/billing/payments/{payment.Id}", payment);
    }

    private static async Task<Results<Ok<Page<PaymentView>>, ProblemHttpResult>> PaymentsAsync(
        ClaimsPrincipal user, BillingRepository billing, AccountAccess access, long? teamId, int? page, int? pageSize)
    {
        var account = AccountId.Of(user.UserId(), teamId);
        if (await access.DenyAsync(user, account, AccessLevel.Member, "The team") is { } denied)
        {
            return denied;
        }

        return TypedResults.Ok(await billing.PaymentsAsync(account, PageRequest.From(page, pageSize)));
    }

    private static async Task<Results<Ok<Page<AdjustmentView>>, ProblemHttpResult>> AdjustmentsAsync(
        ClaimsPrincipal user, BillingRepository billing, AccountAccess access, long? teamId, int? page, int? pageSize)
    {
        var account = AccountId.Of(user.UserId(), teamId);
        if (await access.DenyAsync(user, account, AccessLevel.Member, "The team") is { } denied)
        {
            return denied;
        }

        return TypedResults.Ok(await billing.AdjustmentsAsync(account, PageRequest.From(page, pageSize)));
    }

    private static async Task<Results<Created<AdjustmentView>, ValidationProblem>> AdjustAsync(
        AdjustmentRequest request, HttpContext context, BillingRepository billing, RedisState redis, AccountAccess access, AuditLog audit, TimeProvider time)
    {
        var errors = new ValidationErrors()
            .Check(AccountId.IsValid(request.Account) && await access.ExistsAsync(request.Account!), "account", "Must be an existing account (u_<n> or t_<n>).")
            .Check(request.AmountNanos is not null and not 0, "amountNanos", "Must be a non-zero amount in nano-dollars.")
            .Text(request.Reason, "reason", 500);
        if (!errors.IsValid)
        {
            return errors.Problem();
        }

        var adjustment = await billing.AddAdjustmentAsync(request.Account!, request.AmountNanos!.Value, request.Reason!.Trim(), context.User.UserId(), time.GetUtcNow().ToUnixTimeMilliseconds());
        await redis.AddBalanceAsync(request.Account!, request.AmountNanos.Value, markPaid: false);
        await audit.WriteAsync(context, "billing.adjust", request.Account!, $"{FormatUsd(request.AmountNanos.Value)} USD: {adjustment.Reason}");
        return TypedResults.Created($"/api/billing/adjustments/{adjustment.Id}", adjustment);
    }

    private static async Task<Results<Ok<ReconciliationReport>, ValidationProblem>> ReconcileAsync(
        BillingRepository billing, OutboxInspector outbox, AccountAccess access, string? account, int? page, int? pageSize)
    {
        if (account is not null && !(AccountId.IsValid(account) && await access.ExistsAsync(account)))
        {
            return new ValidationErrors().Add("account", "Must be an existing account (u_<n> or t_<n>).").Problem();
        }

        var request = PageRequest.From(page, pageSize);
        var accounts = account is null ? await billing.AccountsAsync(request) : request.Of([account], 1);
        var rows = new List<ReconciliationRow>(accounts.Items.Count);
        foreach (var id in accounts.Items)
        {
            // With the flusher held off the account, no event moves into the ledger while both sides are read; the
            // Redis side is one MULTI, so a charge is in both the balance and the outbox or in neither.
            await using var paused = await outbox.PauseAsync(id);
            var snapshot = await outbox.SnapshotAsync(id);
            var (balance, recorded) = await billing.BalanceWithEventsAsync(id, snapshot.PendingCosts.Keys.ToList());
            var pending = snapshot.PendingCosts.Where(e => !recorded.Contains(e.Key)).Sum(e => e.Value);
            var working = snapshot.WorkingBalanceNanos;
            rows.Add(new ReconciliationRow(id, balance.Balance, working, pending, (working ?? 0) - (balance.Balance - pending)));
        }

        var report = new Page<ReconciliationRow>(rows, accounts.PageNumber, accounts.PageSize, accounts.Total);
        return TypedResults.Ok(new ReconciliationReport(report, rows.Count(r => r.DriftNanos != 0)));
    }
}
