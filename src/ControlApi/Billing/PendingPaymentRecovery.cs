using MassRouter.ControlApi.Audit;
using MassRouter.ControlApi.Configuration;
using Microsoft.Extensions.Options;

namespace MassRouter.ControlApi.Billing;

/// <summary>
/// Resolves top-ups a control API left <see cref="BillingRepository.Pending"/> when it died between reserving the
/// payment and recording the provider's answer: the charge is re-driven with the same payment id, which the provider
/// answers idempotently (the first charge's outcome if there was one, a charge now if there was none), then the row is
/// resolved and a succeeded payment credited through the usual exactly-once credit.
/// </summary>
/// <remarks>
/// Re-driving rather than failing a payment the provider never saw is deliberate: the client asked for the top-up and,
/// having no answer, retries it under the same Idempotency-Key (as Stripe-style clients do), so finishing it is what
/// was asked; and it is the only answer that is right whatever the dead process did, with no race against a charge
/// still in flight (the provider answers both callers alike). Only payments older than
/// <see cref="ControlApiOptions.PendingPaymentGrace"/> are touched, so a live request finishes its own charge.
/// </remarks>
internal sealed partial class PendingPaymentRecovery(
    BillingRepository billing, IPaymentProvider payments, PaymentCredits credits, AuditLog audit, PaymentMetrics metrics, IOptions<ControlApiOptions> options,
    TimeProvider time, ILogger<PendingPaymentRecovery> logger)
{
    private const int BatchSize = 100;

    /// <summary>How long a payment may stay pending before it is taken for abandoned.</summary>
    public TimeSpan Grace => options.Value.PendingPaymentGrace;

    /// <summary>
    /// Charges through the provider, giving up after <see cref="ControlApiOptions.PaymentChargeTimeout"/> even if the
    /// provider ignores its token (a top-up's own charge and a re-driven one alike): throws <see cref="TimeoutException"/>
    /// then, the outcome unknown, so the payment stays pending for the recovery.
    /// </summary>
    public async Task<PaymentResult> ChargeAsync(PaymentRequest request, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.Value.PaymentChargeTimeout);
        try
        {
            return await payments.ChargeAsync(request, deadline.Token).WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The payment provider did not answer payment {request.PaymentId} in time.", ex);
        }
    }

    /// <summary>Resolves every payment pending for longer than the grace; returns how many this call resolved.</summary>
    /// <remarks>A payment the provider cannot answer for now stays pending for the next pass.</remarks>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken = default)
    {
        var before = (time.GetUtcNow() - Grace).ToUnixTimeMilliseconds();
        var resolved = 0;
        var afterId = 0L;
        IReadOnlyList<PaymentView> batch;
        do
        {
            batch = await billing.PendingAsync(before, afterId, BatchSize);
            foreach (var payment in batch)
            {
                afterId = payment.Id;
                resolved += await TryResolveAsync(payment, cancellationToken) is { Resolved: true } ? 1 : 0;
            }
        }
        while (batch.Count == BatchSize);
        return resolved;
    }

    /// <summary>
    /// Resolves one pending payment: the payment as it ends up (resolved here or, if another resolver won the claim,
    /// there), or null when the provider could not answer (logged; the payment stays pending).
    /// </summary>
    public async Task<(PaymentView Payment, bool Resolved)?> TryResolveAsync(PaymentView pending, CancellationToken cancellationToken)
    {
        if (pending.Provider != payments.Name)
        {
            // Only the provider that took (or would have taken) the charge can say what happened to it.
            LogOtherProvider(pending.Id, pending.Provider, payments.Name);
            return null;
        }

        PaymentResult result;
        try
        {
            // Bounded: a hung provider must not stall the pass (or the resync that runs it).
            result = await ChargeAsync(new PaymentRequest(pending.Id, pending.Account, pending.UserId, pending.AmountNanos), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Whatever a provider throws (network, timeout, its own errors) or a charge that outlives the timeout: the
            // payment stays pending and is retried.
            LogProviderFailed(pending.Id, ex.GetType().Name);
            return null;
        }

        var status = result.Succeeded ? BillingRepository.Succeeded : BillingRepository.Failed;
        if (await billing.CompletePaymentAsync(pending.Id, result.ExternalId, status) is not { } resolved)
        {
            // The live request or another instance resolved it meanwhile (with the same provider answer) and credits it.
            return ((await billing.FindPaymentAsync(pending.Id))!, false);
        }

        metrics.Recovered(status);
        var amountUsd = MassRouter.Core.Money.Nanos.FormatDollars(pending.AmountNanos);
        LogRecovered(pending.Id, pending.Account, amountUsd, status);

        // No request carries this one: the audit entry has no actor (the payment row names the user who asked).
        await audit.WriteAsync(null, "billing.topup.recovered", pending.Account, $"{amountUsd} USD, payment {pending.Id}: {status}", null);
        if (resolved.Status == BillingRepository.Succeeded)
        {
            await credits.TryCreditAsync(resolved);
        }

        return (resolved, true);
    }

    [LoggerMessage(LogLevel.Warning, "Recovered pending payment {PaymentId} of {Account} ({AmountUsd} USD), left by a control API that stopped mid-charge: {Status}")]
    private partial void LogRecovered(long paymentId, string account, string amountUsd, string status);

    [LoggerMessage(LogLevel.Warning, "Pending payment {PaymentId}: the payment provider did not answer ({Error}); retrying at the next recovery pass")]
    private partial void LogProviderFailed(long paymentId, string error);

    [LoggerMessage(LogLevel.Error, "Pending payment {PaymentId} was charged through provider '{Provider}', but this control API runs '{Configured}': resolve it with that provider")]
    private partial void LogOtherProvider(long paymentId, string provider, string configured);
}
