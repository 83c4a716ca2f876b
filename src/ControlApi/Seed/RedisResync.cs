using MassRouter.ControlApi.Accounts;
using MassRouter.ControlApi.Auth;
using MassRouter.ControlApi.Billing;
using MassRouter.ControlApi.Catalog;
using MassRouter.ControlApi.Keys;
using MassRouter.ControlApi.Redis;
using MassRouter.ControlApi.Teams;
using MassRouter.Core.Redis;

namespace MassRouter.ControlApi.Seed;

/// <summary>
/// Rewrites everything the gateways read from the database at start-up, so a Redis that was flushed, replaced or
/// missed a write while the control plane was down converges. A missing balance is restored from the ledger; an
/// existing one is left alone (it is ahead of the ledger by the usage still in the outbox).
/// </summary>
/// <remarks>
/// Only what differs from Redis is written and announced, and the catalog gets a new version only when its content
/// changed: a periodic resync of an unchanged database costs reads, not a reload on every gateway.
/// </remarks>
internal sealed class RedisResync(
    UserRepository users, TeamRepository teams, KeyRepository keys, BillingRepository billing, PendingPaymentRecovery pendingPayments, PaymentCredits credits,
    RedisState redis, CatalogPublisher catalog)
{
    /// <summary>Brings Redis in line with the database; returns how many records, payment credits (and catalogs) were written.</summary>
    public async Task<int> RunAsync()
    {
        // Payments first: their credit leaves a missing balance alone, and the account sync below then restores that
        // balance from the database, which counts them. The other order would count such a payment twice. Payments a
        // dead control API left pending are resolved (and credited) first, so this pass already counts them.
        await pendingPayments.RecoverAsync();
        var written = await credits.CreditOutstandingAsync();
        foreach (var user in await users.AllAsync())
        {
            var account = AccountId.User(user.Id);
            written += await SyncAccountAsync(account, new AccountRecord(user.Status, Paid: await billing.HasPaidAsync(account)));
        }

        foreach (var team in await teams.AllAsync())
        {
            var account = AccountId.Team(team.Id);
            written += await SyncAccountAsync(account, new AccountRecord(RecordStatus.Active, team.Rpm, team.Tpm, team.DailyCapNanos, team.MonthlyCapNanos, await billing.HasPaidAsync(account)));
        }

        foreach (var key in await keys.AllAsync())
        {
            written += await redis.SyncKeyAsync(key.ToRecord()) ? 1 : 0;
        }

        return written + (await catalog.PublishIfChangedAsync() ? 1 : 0);
    }

    private async Task<int> SyncAccountAsync(string account, AccountRecord record) =>
        await redis.SyncAccountAsync(account, record, (await billing.BalanceAsync(account)).Balance) ? 1 : 0;
}
