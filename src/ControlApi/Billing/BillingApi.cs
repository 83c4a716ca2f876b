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
using Microsoft.AspNetCore.Mvc;

namespace MassRouter.ControlApi.Billing;

/// <summary>Balances, top-ups, admin adjustments and the ledger-versus-Redis reconciliation.</summary>
internal static class BillingApi
{
    /// <summary>Optional request header (Stripe-style): a repeated key for the same account returns the first top-up.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>The largest top-up, in dollars: far below what nano-dollar sums (64-bit) can hold.</summary>
    public const decimal MaxTopUpUsd = 1_000_000m;

    /// <summary>The largest admin adjustment either way, in nano-dollars (1,000,000 USD).</summary>
    public const long MaxAdjustmentNanos = 1_000_000 * Nanos.PerDollar;

    private const int MaxIdempotencyKeyLength = 255;
    private static readonly TimeSpan PendingWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PendingPoll = TimeSpan.FromMilliseconds(50);

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

    private static string PaymentLocation(PaymentView payment) => "/api/billing/payments/" + payment.Id.ToString(CultureInfo.InvariantCulture);


    private static async Task<Results<Ok<BalanceView>, ProblemHttpResult>> BalanceAsync(
        ClaimsPrincipal user, BillingRepository billing, RedisState redis, AccountAccess access, long? teamId)
    {
        var account = AccountId.Of(user.UserId(), teamId);
        if (await access.DenyAsync(user, account, AccessLevel.Member, "The team") is { } denied)
        {
            return denied;
        }

        var sums = await billing.BalanceAsync(account);
        return TypedResults.Ok(new BalanceView(account, sums.Payments, sums.Adjustments, sums.Usage, sums.Balance, await redis.GetBalanceAsync(account), Nanos.FormatDollars(sums.Balance)));
    }

    private static async Task<Results<Created<PaymentView>, ValidationProblem, ProblemHttpResult>> TopUpAsync(
        TopUpRequest request, [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey, HttpContext context, BillingRepository billing,
        IPaymentProvider payments, PaymentCredits credits, PendingPaymentRecovery recovery, AccountAccess access, AuditLog audit, TimeProvider time)
    {
        var account = AccountId.Of(context.User.UserId(), request.TeamId);
        if (await access.DenyAsync(context.User, account, AccessLevel.Admin, "The team") is { } denied)
        {
            return denied;
        }

        var errors = new ValidationErrors()
            .Check(
                request.AmountUsd is > 0m and <= MaxTopUpUsd && decimal.Round(request.AmountUsd.Value, 2) == request.AmountUsd.Value,
                "amountUsd", $"Must be a positive amount in dollars, at most {MaxTopUpUsd:#,0}, with at most 2 decimals.")
            .Check(idempotencyKey is null || idempotencyKey.Length is > 0 and <= MaxIdempotencyKeyLength, IdempotencyKeyHeader, $"Must be 1 to {MaxIdempotencyKeyLength} characters.");
        if (!errors.IsValid)
        {
            return errors.Problem();
        }

        var amount = Nanos.FromDollars(request.AmountUsd!.Value);
        if (idempotencyKey is not null && await billing.FindByIdempotencyKeyAsync(account, idempotencyKey) is { } earlier)
        {
            return await ReplayAsync(earlier, idempotencyKey, amount, context, billing, credits, recovery, time);
        }

        // The row is reserved before the provider is charged: of two concurrent requests with the same key, the unique
        // index lets one insert, and the other answers with that one's payment without charging.
        var reserved = await billing.ReservePaymentAsync(account, context.User.UserId(), amount, payments.Name, idempotencyKey, time.GetUtcNow().ToUnixTimeMilliseconds());
        if (reserved is null)
        {
            return await ReplayAsync((await billing.FindByIdempotencyKeyAsync(account, idempotencyKey!))!, idempotencyKey!, amount, context, billing, credits, recovery, time);
        }

        // Not the request's abort token: a charge once started is finished and recorded even if the client leaves. If
        // the charge throws, or outlives the charge timeout, the outcome is unknown (the provider may have taken the
        // money): the row stays pending and the recovery re-drives the charge, idempotent by payment id, after the grace.
        PaymentResult result;
        try
        {
            result = await recovery.ChargeAsync(new PaymentRequest(reserved.Id, account, context.User.UserId(), amount), CancellationToken.None);
        }
        catch (TimeoutException)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds(recovery.Grace);
            return Problems.PaymentPending(
                $"The payment provider did not answer in time. Payment {reserved.Id} is pending and is never " +
                "charged twice: a retry with the same Idempotency-Key after the Retry-After delay answers with its outcome.");
        }

        // Null: the recovery resolved it first (this request outlived the grace), with the same provider answer.
        var payment = await billing.CompletePaymentAsync(reserved.Id, result.ExternalId, result.Succeeded ? BillingRepository.Succeeded : BillingRepository.Failed)
            ?? (await billing.FindPaymentAsync(reserved.Id))!;
        if (payment.Status != BillingRepository.Succeeded)
        {
            return Problems.PaymentFailed(result.FailureReason ?? "The payment was declined.");
        }

        // The money is taken and recorded: a Redis failure must not turn that into an error the client would retry.
        await credits.TryCreditAsync(payment);
        await audit.WriteAsync(context, "billing.topup", account, $"{Nanos.FormatDollars(amount)} USD, payment {payment.Id}");
        return TypedResults.Created(PaymentLocation(payment), payment);
    }

    /// <summary>The answer to a repeated Idempotency-Key: the first request's payment, never a second charge.</summary>
    private static async Task<Results<Created<PaymentView>, ValidationProblem, ProblemHttpResult>> ReplayAsync(
        PaymentView earlier, string idempotencyKey, long amountNanos, HttpContext context, BillingRepository billing, PaymentCredits credits,
        PendingPaymentRecovery recovery, TimeProvider time)
    {
        if (earlier.AmountNanos != amountNanos)
        {
            return Problems.Conflict($"The Idempotency-Key was already used for a top-up of {Nanos.FormatDollars(earlier.AmountNanos)} USD.");
        }

        // A concurrent first request is still charging: its answer is worth a short wait, not a second charge. A payment
        // pending for longer than that is not waited for: its request is stuck or its process gone.
        var reservedAt = DateTimeOffset.FromUnixTimeMilliseconds(earlier.CreatedAt);
        var wait = PendingWait < recovery.Grace ? PendingWait : recovery.Grace;
        while (earlier.Status == BillingRepository.Pending && time.GetUtcNow() - reservedAt < wait)
        {
            await Task.Delay(PendingPoll, time);
            earlier = (await billing.FindByIdempotencyKeyAsync(earlier.Account, idempotencyKey))!;
        }

        if (earlier.Status == BillingRepository.Pending)
        {
            var age = time.GetUtcNow() - reservedAt;
            if (age < recovery.Grace)
            {
                context.Response.Headers.RetryAfter = RetryAfterSeconds(recovery.Grace - age);
                return Problems.Conflict(
                    $"A top-up with this Idempotency-Key is still in progress (reserved {(long)age.TotalSeconds} s ago); retry after the Retry-After delay. " +
                    "It is never charged twice: a retry answers with its outcome once it is resolved.");
            }

            // Past the grace its process is taken for dead: finish it now, as the periodic recovery would.
            if (await recovery.TryResolveAsync(earlier, CancellationToken.None) is not { } resolved)
            {
                context.Response.Headers.RetryAfter = RetryAfterSeconds(PendingWait);
                return Problems.Conflict("A top-up with this Idempotency-Key is still in progress: the payment provider cannot confirm it yet; retry after the Retry-After delay.");
            }

            earlier = resolved.Payment;
        }

        if (earlier.Status != BillingRepository.Succeeded)
        {
            return Problems.PaymentFailed("The top-up with this Idempotency-Key was declined.");
        }

        if (!await billing.IsCreditedAsync(earlier.Id))
        {
            await credits.TryCreditAsync(earlier);
        }

        return TypedResults.Created(PaymentLocation(earlier), earlier);
    }

    private static string RetryAfterSeconds(TimeSpan delay) => Math.Max(1, (long)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

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
            .Check(
                request.AmountNanos is not null and not 0 and >= -MaxAdjustmentNanos and <= MaxAdjustmentNanos,
                "amountNanos", $"Must be a non-zero amount in nano-dollars, at most {MaxAdjustmentNanos} (1,000,000 USD) either way.")
            .Text(request.Reason, "reason", 500);
        if (!errors.IsValid)
        {
            return errors.Problem();
        }

        var adjustment = await billing.AddAdjustmentAsync(request.Account!, request.AmountNanos!.Value, request.Reason!.Trim(), context.User.UserId(), time.GetUtcNow().ToUnixTimeMilliseconds());
        await redis.AddBalanceAsync(request.Account!, request.AmountNanos.Value, markPaid: false);
        await audit.WriteAsync(context, "billing.adjust", request.Account!, $"{Nanos.FormatDollars(request.AmountNanos.Value)} USD: {adjustment.Reason}");
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
