using Dapper;
using MassRouter.ControlApi.Auth;
using MassRouter.ControlApi.Billing;
using MassRouter.ControlApi.Ledger;
using MassRouter.ControlApi.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace MassRouter.ControlApi.Tests.Storage;

/// <summary>The repositories straight against the database, where the SQL has to behave the same on both dialects.</summary>
public abstract class RepositoryTests(ControlApiFixture fixture)
{
    [Fact]
    public async Task Migrations_AreIdempotent()
    {
        DatabaseMigrator.Migrate(fixture.Get<SqlDialect>(), NullLogger.Instance);
        await using var connection = await fixture.Get<Database>().OpenAsync();
        Assert.True(await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users") >= 1);
    }

    [Fact]
    public async Task LedgerInsert_SkipsEventIdsAlreadyRecorded_InOneBatchAndAcrossBatches()
    {
        var ledger = fixture.Get<LedgerRepository>();
        var account = "u_" + Random.Shared.NextInt64(1_000_000_000, long.MaxValue / 2);
        var first = UsageEvents.Make(account, 10);
        Assert.Equal(2, await ledger.InsertAsync([first, UsageEvents.Make(account, 20)], CancellationToken.None));
        Assert.Equal(1, await ledger.InsertAsync([first, UsageEvents.Make(account, 30), first with { CostNanos = 999 }], CancellationToken.None));
        Assert.Equal(3, await ledger.CountAsync(account));
        var (balance, recorded) = await fixture.Get<BillingRepository>().BalanceWithEventsAsync(account, [first.Id, "never-recorded"]);
        Assert.Equal(60, balance.Usage);
        Assert.Equal([first.Id], recorded);
    }

    [Fact]
    public async Task ConcurrentRefreshWithOneToken_HasOneWinner_AndRevokesTheFamily()
    {
        var user = await fixture.NewUserAsync();
        var tokens = fixture.Get<RefreshTokenRepository>();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var presented = TokenIssuer.HashToken(user.Tokens.RefreshToken);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            Task.Run(() => tokens.RotateAsync(presented, TokenIssuer.HashToken("next-" + i + Guid.NewGuid()), now, now + 60_000))));
        Assert.Equal(1, outcomes.Count(o => o.Result == RotationResult.Rotated));
        Assert.All(outcomes.Where(o => o.Result != RotationResult.Rotated), o => Assert.Equal(RotationResult.ReuseDetected, o.Result));
    }

    [Fact]
    public async Task Balance_SumsOnlySucceededPayments()
    {
        var user = await fixture.NewUserAsync();
        var billing = fixture.Get<BillingRepository>();
        await billing.AddPaymentAsync(user.Account, user.UserId, 5_000, "test", "ok", BillingRepository.Succeeded, 1);
        await billing.AddPaymentAsync(user.Account, user.UserId, 7_000, "test", "declined", BillingRepository.Failed, 2);
        await billing.AddAdjustmentAsync(user.Account, -1_000, "fee", fixture.Admin.UserId, 3);
        var balance = await billing.BalanceAsync(user.Account);
        Assert.Equal((5_000, -1_000, 0, 4_000), (balance.Payments, balance.Adjustments, balance.Usage, balance.Balance));
        Assert.True(await billing.HasPaidAsync(user.Account));
    }
}

[Collection(PostgresCollection.Name)]
public sealed class RepositoryTests_Postgres(PostgresControlApiFixture fixture) : RepositoryTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class RepositoryTests_Sqlite(SqliteControlApiFixture fixture) : RepositoryTests(fixture);
