using MassRouter.ControlApi.Redis;

namespace MassRouter.ControlApi.Billing;

/// <summary>
/// Moves succeeded payments into the Redis working balance exactly once: the idempotent credit script first, the
/// database mark after it. A crash between the two leaves the row uncredited, and the re-credit is a no-op.
/// </summary>
internal sealed class PaymentCredits(BillingRepository billing, RedisState redis, TimeProvider time, ILogger<PaymentCredits> logger)
{
    private const int BatchSize = 500;

    /// <summary>Credits one payment; true when the balance moved now, false when its marker said it already had.</summary>
    public async Task<bool> CreditAsync(PaymentView payment)
    {
        var applied = await redis.CreditPaymentAsync(payment.Account, payment.Id, payment.AmountNanos);
        await billing.MarkCreditedAsync(payment.Id, time.GetUtcNow().ToUnixTimeMilliseconds());
        return applied;
    }

    /// <summary>
    /// Credits a payment the provider has taken; when Redis (or the mark) fails, the payment stays owed and the periodic
    /// resync credits it: the top-up itself still succeeded.
    /// </summary>
    public async Task TryCreditAsync(PaymentView payment)
    {
        try
        {
            await CreditAsync(payment);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException or System.Data.Common.DbException)
        {
            logger.LogWarning("Payment {PaymentId} of {Account} is recorded but not yet in the Redis balance; the periodic resync will credit it: {Error}",
                payment.Id, payment.Account, ex.Message);
        }
    }

    /// <summary>Credits every succeeded payment whose credit did not reach Redis; returns how many were applied now.</summary>
    public async Task<int> CreditOutstandingAsync()
    {
        var applied = 0;
        IReadOnlyList<PaymentView> batch;
        do
        {
            batch = await billing.UncreditedAsync(BatchSize);
            foreach (var payment in batch)
            {
                applied += await CreditAsync(payment) ? 1 : 0;
            }
        }
        while (batch.Count == BatchSize);
        return applied;
    }
}
