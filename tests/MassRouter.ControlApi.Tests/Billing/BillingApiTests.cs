using MassRouter.ControlApi.Billing;
using MassRouter.ControlApi.Ledger;
using MassRouter.Core.Money;
using MassRouter.Core.Redis;

namespace MassRouter.ControlApi.Tests.Billing;

public abstract class BillingApiTests(ControlApiFixture fixture)
{
    [Fact]
    public async Task TopUp_RecordsPayment_AndMovesWorkingBalance()
    {
        var user = await fixture.NewUserAsync();
        var payment = await Expect.JsonAsync<PaymentView>(await user.Http.PostAsJsonAsync("/api/billing/topups", new { amountUsd = 12.34m }), HttpStatusCode.Created);
        Assert.Equal(12_340_000_000, payment.AmountNanos);
        Assert.Equal("development", payment.Provider);

        var balance = await user.Http.GetFromJsonAsync<BalanceView>("/api/billing/balance");
        Assert.Equal(12_340_000_000, balance!.BalanceNanos);
        Assert.Equal(12_340_000_000, balance.WorkingBalanceNanos);
        Assert.Equal("12.34", balance.BalanceUsd);
        Assert.Equal("1", (string?)await fixture.RedisDb.HashGetAsync(RedisKeys.Account(user.Account), AccountFields.Paid));
        var payments = await user.Http.GetFromJsonAsync<JsonPage<PaymentView>>("/api/billing/payments");
        Assert.Equal(payment.Id, Assert.Single(payments!.Items).Id);
    }

    [Fact]
    public async Task TopUp_Invalid_IsValidationProblem_AndDeclined_IsPaymentRequired()
    {
        var user = await fixture.NewUserAsync();
        await Expect.ValidationProblemAsync(await user.Http.PostAsJsonAsync("/api/billing/topups", new { amountUsd = -1m }), "amountUsd");
        await Expect.ValidationProblemAsync(await user.Http.PostAsJsonAsync("/api/billing/topups", new { amountUsd = 1.001m }), "amountUsd");
        await Expect.ProblemAsync(await user.Http.PostAsJsonAsync("/api/billing/topups", new { amountUsd = 10_000.01m }), HttpStatusCode.PaymentRequired);
        Assert.Equal(0, (await user.Http.GetFromJsonAsync<BalanceView>("/api/billing/balance"))!.BalanceNanos);
    }

    [Fact]
    public async Task AdminAdjustment_NeedsReason_MovesBalance_AndIsAudited()
    {
        var user = await fixture.NewUserAsync();
        await Expect.ValidationProblemAsync(await fixture.Admin.Http.PostAsJsonAsync("/api/admin/adjustments", new { account = user.Account, amountNanos = 5 }), "reason");
        await Expect.ValidationProblemAsync(await fixture.Admin.Http.PostAsJsonAsync("/api/admin/adjustments", new { account = "x_1", amountNanos = 0, reason = "r" }), "account", "amountNanos");
        await Expect.StatusAsync(await fixture.Admin.Http.PostAsJsonAsync("/api/admin/adjustments", new { account = user.Account, amountNanos = 2 * Nanos.PerDollar, reason = "goodwill" }), HttpStatusCode.Created);
        await Expect.StatusAsync(await fixture.Admin.Http.PostAsJsonAsync("/api/admin/adjustments", new { account = user.Account, amountNanos = -Nanos.PerDollar / 2, reason = "correction" }), HttpStatusCode.Created);

        var balance = await user.Http.GetFromJsonAsync<BalanceView>("/api/billing/balance");
        Assert.Equal(1_500_000_000, balance!.AdjustmentsNanos);
        Assert.Equal(1_500_000_000, balance.WorkingBalanceNanos);
        var audit = await fixture.Admin.Http.GetFromJsonAsync<JsonPage<Audit.AuditEntry>>($"/api/admin/audit?action=billing.adjust&target={user.Account}");
        Assert.Equal(2, audit!.Total);
        Assert.All(audit.Items, a => Assert.Equal(fixture.Admin.UserId, a.ActorUserId));
    }

    [Fact]
    public async Task Balance_IsPaymentsPlusAdjustmentsMinusUsage_AndReconciliationReportsDrift()
    {
        var user = await fixture.NewUserAsync();
        await Expect.StatusAsync(await user.Http.PostAsJsonAsync("/api/billing/topups", new { amountUsd = 3m }), HttpStatusCode.Created);
        await UsageEvents.SettleAsync(fixture.RedisDb, UsageEvents.Make(user.Account, 250_000_000));
        await UsageEvents.SettleAsync(fixture.RedisDb, UsageEvents.Make(user.Account, 1_234));

        // Before the flush the usage is pending in the outbox: Redis is ahead of the ledger, but there is no drift.
        Assert.Equal(0, (await RowAsync(user.Account)).DriftNanos);
        Assert.Equal(250_001_234, (await RowAsync(user.Account)).PendingUsageNanos);

        await fixture.Get<LedgerFlusher>().DrainAsync(user.Account, CancellationToken.None);
        var balance = await user.Http.GetFromJsonAsync<BalanceView>("/api/billing/balance");
        Assert.Equal(3_000_000_000 - 250_001_234, balance!.BalanceNanos);
        Assert.Equal(250_001_234, balance.UsageNanos);
        Assert.Equal(balance.BalanceNanos, balance.WorkingBalanceNanos);
        var settled = await RowAsync(user.Account);
        Assert.Equal(0, settled.PendingUsageNanos);
        Assert.Equal(0, settled.DriftNanos);

        await fixture.RedisDb.HashIncrementAsync(RedisKeys.Account(user.Account), AccountFields.BalanceNanos, 777);
        Assert.Equal(777, (await RowAsync(user.Account)).DriftNanos);
    }

    [Fact]
    public async Task Reconciliation_ShowsNoDrift_WhileChargesAndFlushesRunConcurrently()
    {
        var user = await fixture.NewUserAsync();
        await Expect.StatusAsync(await user.Http.PostAsJsonAsync("/api/billing/topups", new { amountUsd = 1m }), HttpStatusCode.Created);
        var flusher = Flushers.New(fixture, batchSize: 3);
        await flusher.StartAsync(CancellationToken.None);
        try
        {
            using var stop = new CancellationTokenSource();
            var gateway = Task.Run(async () =>
            {
                for (var settled = 0; settled < 400 && !stop.IsCancellationRequested; settled++)
                {
                    await UsageEvents.SettleAsync(fixture.RedisDb, UsageEvents.Make(user.Account, 1_001));
                }
            });
            // Keep taking reports until the flusher has moved events into the ledger meanwhile (bounded wait), so the
            // reports really overlap with flushing on a slow machine too.
            var ledger = fixture.Get<LedgerRepository>();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            for (var i = 0; i < 25 || (await ledger.CountAsync(user.Account) == 0 && !deadline.IsCancellationRequested); i++)
            {
                var row = await RowAsync(user.Account);
                Assert.True(row.DriftNanos == 0, row.ToString());
            }

            await stop.CancelAsync();
            await gateway;
        }
        finally
        {
            await flusher.StopAsync(CancellationToken.None);
        }

        Assert.True(await fixture.Get<LedgerRepository>().CountAsync(user.Account) > 0, "the flusher ran while the report was taken");
        await fixture.Get<LedgerFlusher>().DrainAsync(user.Account, CancellationToken.None);
        Assert.Equal(0, (await RowAsync(user.Account)).DriftNanos);
    }

    [Fact]
    public async Task Reconciliation_UnknownAccount_IsValidationProblem() =>
        await Expect.ValidationProblemAsync(await fixture.Admin.Http.GetAsync("/api/admin/reconciliation?account=u_999999999"), "account");

    private async Task<ReconciliationRow> RowAsync(string account)
    {
        var report = await fixture.Admin.Http.GetFromJsonAsync<ReconciliationReport>($"/api/admin/reconciliation?account={account}");
        return Assert.Single(report!.Accounts.Items);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class BillingApiTests_Postgres(PostgresControlApiFixture fixture) : BillingApiTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class BillingApiTests_Sqlite(SqliteControlApiFixture fixture) : BillingApiTests(fixture);
