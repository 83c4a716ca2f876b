using Dapper;
using MassRouter.ControlApi.Audit;
using MassRouter.ControlApi.Billing;
using MassRouter.ControlApi.Seed;
using MassRouter.ControlApi.Storage;
using MassRouter.Core.Money;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MassRouter.ControlApi.Tests.Billing;

/// <summary>
/// A control API that dies between reserving a top-up and recording the provider's answer leaves the payment pending;
/// the recovery finishes it exactly once, and its Idempotency-Key then answers with the outcome.
/// </summary>
public abstract class PendingPaymentRecoveryTests(ControlApiFixture fixture)
{
    private static readonly TimeSpan LongDead = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task PendingPayment_PastTheGrace_IsRecoveredAndCreditedOnce_AndItsKeyAnswersWithIt()
    {
        var user = await fixture.NewUserAsync();
        var key = Guid.NewGuid().ToString("N");
        var pending = await LeavePendingAsync(user, 7m, key, "development", LongDead);
        var recovery = fixture.Get<PendingPaymentRecovery>();

        Assert.Equal(1, await recovery.RecoverAsync());

        var billing = fixture.Get<BillingRepository>();
        var recovered = (await billing.FindPaymentAsync(pending.Id))!;
        Assert.Equal(BillingRepository.Succeeded, recovered.Status);
        Assert.Equal(DevelopmentPaymentProvider.ExternalId(pending.Id), recovered.ExternalId);
        Assert.True(await billing.IsCreditedAsync(pending.Id));
        Assert.Equal(7 * Nanos.PerDollar, await TopUps.RedisBalanceAsync(fixture, user.Account));
        Assert.Equal(7 * Nanos.PerDollar, (await billing.BalanceAsync(user.Account)).Balance);

        // Another pass, the periodic resync (which runs the recovery) and the client's retry: nothing moves again.
        Assert.Equal(0, await recovery.RecoverAsync());
        Assert.True(await fixture.Get<PeriodicRedisResync>().TickAsync());
        var replayed = await TopUps.PostAsync(user.Http, 7m, key, HttpStatusCode.Created);
        Assert.Equal(recovered, replayed);
        Assert.Equal(7 * Nanos.PerDollar, await TopUps.RedisBalanceAsync(fixture, user.Account));
        Assert.Equal(7 * Nanos.PerDollar, (await billing.BalanceAsync(user.Account)).Balance);

        using var anonymous = fixture.Anonymous();
        const string Series = "massrouter_payments_recovered_total{outcome=\"succeeded\"} ";
        var sample = (await anonymous.GetStringAsync("/metrics")).Split('\n').Single(line => line.StartsWith(Series, StringComparison.Ordinal));
        Assert.True(double.Parse(sample[Series.Length..], System.Globalization.CultureInfo.InvariantCulture) >= 1, sample);
        var audit = await fixture.Admin.Http.GetFromJsonAsync<JsonPage<AuditEntry>>($"/api/admin/audit?action=billing.topup.recovered&target={user.Account}");
        Assert.Equal($"7.00 USD, payment {pending.Id}: succeeded", Assert.Single(audit!.Items).Detail);
    }

    [Fact]
    public async Task PendingPayment_WithinTheGrace_AnswersConflictWithRetryAfter_UntilTheGracePasses()
    {
        var user = await fixture.NewUserAsync();
        var key = Guid.NewGuid().ToString("N");

        // Older than the in-request wait for a concurrent first request, younger than the 2-minute grace.
        var pending = await LeavePendingAsync(user, 2m, key, "development", TimeSpan.FromSeconds(30));
        using (var request = TopUps.Request(2m, key))
        {
            var response = await user.Http.SendAsync(request);
            await Expect.ProblemAsync(response, HttpStatusCode.Conflict);
            var retryAfter = response.Headers.RetryAfter?.Delta;
            Assert.NotNull(retryAfter);
            Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(90));
            Assert.Contains("in progress", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(0, await fixture.Get<PendingPaymentRecovery>().RecoverAsync());
        var billing = fixture.Get<BillingRepository>();
        Assert.Equal(BillingRepository.Pending, (await billing.FindPaymentAsync(pending.Id))!.Status);
        Assert.Equal(0, await TopUps.RedisBalanceAsync(fixture, user.Account));

        // The grace passes with the payment still pending: the retry itself finishes it, once.
        await AgeAsync(pending.Id, LongDead);
        var first = await TopUps.PostAsync(user.Http, 2m, key, HttpStatusCode.Created);
        Assert.Equal(pending.Id, first.Id);
        Assert.Equal(BillingRepository.Succeeded, first.Status);
        Assert.Equal(2 * Nanos.PerDollar, await TopUps.RedisBalanceAsync(fixture, user.Account));

        Assert.Equal(0, await fixture.Get<PendingPaymentRecovery>().RecoverAsync());
        Assert.Equal(first, await TopUps.PostAsync(user.Http, 2m, key, HttpStatusCode.Created));
        Assert.Equal(2 * Nanos.PerDollar, await TopUps.RedisBalanceAsync(fixture, user.Account));
        Assert.Equal(2 * Nanos.PerDollar, (await billing.BalanceAsync(user.Account)).Balance);
    }

    [Fact]
    public async Task PendingPayment_TheProviderDeclines_IsRecoveredAsFailed_AndItsKeyAnswers402()
    {
        var user = await fixture.NewUserAsync();
        var key = Guid.NewGuid().ToString("N");
        var pending = await LeavePendingAsync(user, 20_000m, key, "development", LongDead);

        Assert.Equal(1, await fixture.Get<PendingPaymentRecovery>().RecoverAsync());

        var billing = fixture.Get<BillingRepository>();
        Assert.Equal(BillingRepository.Failed, (await billing.FindPaymentAsync(pending.Id))!.Status);
        Assert.False(await billing.IsCreditedAsync(pending.Id));
        using var request = TopUps.Request(20_000m, key);
        await Expect.ProblemAsync(await user.Http.SendAsync(request), HttpStatusCode.PaymentRequired);
        Assert.Equal(0, await TopUps.RedisBalanceAsync(fixture, user.Account));
        Assert.Equal(0, (await billing.BalanceAsync(user.Account)).Balance);
    }

    [Fact]
    public async Task PendingPayments_RecoveredByTwoInstancesAtOnce_AreEachResolvedAndCreditedOnce()
    {
        var user = await fixture.NewUserAsync();
        await using var other = await StartSecondHostAsync(provider: null);
        const int Count = 20;
        var pending = new List<PaymentView>();
        for (var i = 0; i < Count; i++)
        {
            pending.Add(await LeavePendingAsync(user, 1m, Guid.NewGuid().ToString("N"), "development", LongDead));
        }

        var resolved = await Task.WhenAll(fixture.Get<PendingPaymentRecovery>().RecoverAsync(), other.Services.GetRequiredService<PendingPaymentRecovery>().RecoverAsync());

        Assert.Equal(Count, resolved.Sum());
        var billing = fixture.Get<BillingRepository>();
        foreach (var payment in pending)
        {
            Assert.Equal(BillingRepository.Succeeded, (await billing.FindPaymentAsync(payment.Id))!.Status);
            Assert.True(await billing.IsCreditedAsync(payment.Id));
        }

        Assert.Equal(Count * Nanos.PerDollar, await TopUps.RedisBalanceAsync(fixture, user.Account));
        Assert.Equal(Count * Nanos.PerDollar, (await billing.BalanceAsync(user.Account)).Balance);
    }

    [Fact]
    public async Task ChargesWhoseAnswerWasLost_OrThatNeverStarted_AreRecoveredWithoutMovingMoneyTwice()
    {
        var user = await fixture.NewUserAsync();
        var bank = new RecordingPaymentProvider();
        await using var app = await StartSecondHostAsync(bank);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = user.Http.DefaultRequestHeaders.Authorization;

        // The provider takes the money and the answer is lost: the request fails, the payment stays pending.
        var lostKey = Guid.NewGuid().ToString("N");
        bank.FailNextAfterCharging();
        using (var request = TopUps.Request(5m, lostKey))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, (await http.SendAsync(request)).StatusCode);
        }

        var billing = fixture.Get<BillingRepository>();
        var lost = (await billing.FindByIdempotencyKeyAsync(user.Account, lostKey))!;
        Assert.Equal(BillingRepository.Pending, lost.Status);
        Assert.True(bank.HasCharged(lost.Id));

        // The process died after reserving, before it reached the provider.
        var neverCharged = await LeavePendingAsync(user, 3m, Guid.NewGuid().ToString("N"), bank.Name, LongDead);
        Assert.False(bank.HasCharged(neverCharged.Id));

        await AgeAsync(lost.Id, LongDead);
        var recovery = app.Services.GetRequiredService<PendingPaymentRecovery>();
        Assert.Equal(2, await recovery.RecoverAsync());

        Assert.Equal(2, bank.Charged);
        Assert.Equal("rec_" + lost.Id, (await billing.FindPaymentAsync(lost.Id))!.ExternalId);
        Assert.Equal(BillingRepository.Succeeded, (await billing.FindPaymentAsync(neverCharged.Id))!.Status);
        Assert.Equal(8 * Nanos.PerDollar, await TopUps.RedisBalanceAsync(fixture, user.Account));

        // Neither another pass (here or on the other instance, which runs another provider) nor the retry moves money again.
        Assert.Equal(0, await recovery.RecoverAsync());
        Assert.Equal(0, await fixture.Get<PendingPaymentRecovery>().RecoverAsync());
        var replayed = await TopUps.PostAsync(http, 5m, lostKey, HttpStatusCode.Created);
        Assert.Equal(lost.Id, replayed.Id);
        Assert.Equal(BillingRepository.Succeeded, replayed.Status);
        Assert.Equal(2, bank.Charged);
        Assert.Equal(8 * Nanos.PerDollar, await TopUps.RedisBalanceAsync(fixture, user.Account));
        Assert.Equal(8 * Nanos.PerDollar, (await billing.BalanceAsync(user.Account)).Balance);
    }

    [Fact]
    public async Task AProviderThatNeverAnswers_LeavesThePaymentPending_WithoutStallingTheRecovery()
    {
        var user = await fixture.NewUserAsync();
        var hung = new HangingPaymentProvider();
        await using var app = await StartSecondHostAsync(hung, new() { ["ControlApi:PaymentChargeTimeout"] = "00:00:00.200" });
        var stuck = await LeavePendingAsync(user, 4m, Guid.NewGuid().ToString("N"), hung.Name, LongDead);

        var pass = app.Services.GetRequiredService<PendingPaymentRecovery>().RecoverAsync();
        Assert.Same(pass, await Task.WhenAny(pass, Task.Delay(TimeSpan.FromSeconds(20))));
        Assert.Equal(0, await pass);

        Assert.True(hung.Asked >= 1);
        var billing = fixture.Get<BillingRepository>();
        Assert.Equal(BillingRepository.Pending, (await billing.FindPaymentAsync(stuck.Id))!.Status);
        Assert.False(await billing.IsCreditedAsync(stuck.Id));

        // A live top-up does not wait for it either: 504, the payment pending, and a retry told when to come back.
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = user.Http.DefaultRequestHeaders.Authorization;
        var key = Guid.NewGuid().ToString("N");
        using (var request = TopUps.Request(6m, key))
        {
            var response = await http.SendAsync(request);
            await Expect.ProblemAsync(response, HttpStatusCode.GatewayTimeout);
            Assert.NotNull(response.Headers.RetryAfter?.Delta);
            Assert.Contains("pending", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(BillingRepository.Pending, (await billing.FindByIdempotencyKeyAsync(user.Account, key))!.Status);
        Assert.Equal(0, await TopUps.RedisBalanceAsync(fixture, user.Account));
    }

    /// <summary>What a control API that died mid-top-up leaves: the payment reserved, pending for <paramref name="age"/>.</summary>
    private async Task<PaymentView> LeavePendingAsync(Session user, decimal amountUsd, string key, string provider, TimeSpan age)
    {
        var reservedAt = (DateTimeOffset.UtcNow - age).ToUnixTimeMilliseconds();
        var payment = await fixture.Get<BillingRepository>().ReservePaymentAsync(user.Account, user.UserId, Nanos.FromDollars(amountUsd), provider, key, reservedAt);
        Assert.NotNull(payment);
        Assert.Equal(BillingRepository.Pending, payment.Status);
        return payment;
    }

    private async Task AgeAsync(long paymentId, TimeSpan age)
    {
        await using var connection = await fixture.Get<Database>().OpenAsync();
        await connection.ExecuteAsync("UPDATE payments SET created_at = @at WHERE id = @paymentId", new { at = (DateTimeOffset.UtcNow - age).ToUnixTimeMilliseconds(), paymentId });
    }

    /// <summary>A second control API on the same database and Redis (another instance), with its own provider when given.</summary>
    private async Task<WebApplication> StartSecondHostAsync(IPaymentProvider? provider, Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>(fixture.HostSettings) { ["ControlApi:RedisResyncInterval"] = "00:00:00" };
        foreach (var (name, value) in extra ?? [])
        {
            settings[name] = value;
        }

        var app = await ControlApiHost.BuildAsync(
            ["--urls", "http://127.0.0.1:0", "--environment", "Testing", "--Logging:LogLevel:Default=Error"],
            builder =>
            {
                builder.Configuration.AddInMemoryCollection(settings);
                if (provider is not null)
                {
                    builder.Services.AddSingleton(provider);
                }
            });
        await app.StartAsync();
        return app;
    }
}

/// <summary>A payment provider that takes every charge and never answers, whatever its token says.</summary>
internal sealed class HangingPaymentProvider : IPaymentProvider
{
    private int _asked;

    public string Name => "hanging";

    public int Asked => Volatile.Read(ref _asked);

    public Task<PaymentResult> ChargeAsync(PaymentRequest request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _asked);
        return new TaskCompletionSource<PaymentResult>().Task;
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PendingPaymentRecoveryTests_Postgres(PostgresControlApiFixture fixture) : PendingPaymentRecoveryTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class PendingPaymentRecoveryTests_Sqlite(SqliteControlApiFixture fixture) : PendingPaymentRecoveryTests(fixture);
