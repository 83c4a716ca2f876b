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
internal sealed class RedisResync(UserRepository users, TeamRepository teams, KeyRepository keys, BillingRepository billing, RedisState redis, CatalogPublisher catalog)
{
    public async Task RunAsync()
    {
        foreach (var user in await users.AllAsync())
        {
            var account = AccountId.User(user.Id);
            await WriteAccountAsync(account, new AccountRecord(user.Status, Paid: await billing.HasPaidAsync(account)));
        }

        foreach (var team in await teams.AllAsync())
        {
            var account = AccountId.Team(team.Id);
            await WriteAccountAsync(account, new AccountRecord(RecordStatus.Active, team.Rpm, team.Tpm, team.DailyCapNanos, team.MonthlyCapNanos, await billing.HasPaidAsync(account)));
        }

        foreach (var key in await keys.AllAsync())
        {
            await redis.WriteKeyAsync(key.ToRecord());
        }

        await catalog.PublishAsync();
    }

    private async Task WriteAccountAsync(string account, AccountRecord record) =>
        await redis.WriteAccountAsync(account, record, (await billing.BalanceAsync(account)).Balance);
}
