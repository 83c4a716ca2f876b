using MassRouter.ControlApi.Billing;
using MassRouter.ControlApi.Redis;
using MassRouter.ControlApi.Seed;
using MassRouter.Core.Money;
using MassRouter.Core.Redis;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace MassRouter.ControlApi.Tests.Billing;

/// <summary>Top-ups move money exactly once: through Redis outages and through retried requests.</summary>
public abstract class TopUpTests(ControlApiFixture fixture)
{
    [Fact]
    public async Task TopUp_CreditsRedisAtOnce_AndMarksThePaymentCredited()
    {
        var user = await fixture.NewUserAsync();
        var payment = await TopUps.PostAsync(user.Http, 2m, key: null, HttpStatusCode.Created);

        Assert.Equal(2 * Nanos.PerDollar, await TopUps.RedisBalanceAsync(fixture, user.Account));
        Assert.True(await fixture.Get<BillingRepository>().IsCreditedAsync(payment.Id));
        Assert.True(await fixture.RedisDb.KeyExistsAsync(RedisKeys.PaymentCredited(user.Account, payment.Id)));
    }

    [Fact]
    public async Task TopUp_WhileRedisIsDown_Is201_AndTheResyncCreditsItExactlyOnce()
    {
        var user = await fixture.NewUserAsync();
        var billing = fixture.Get<BillingRepository>();
        PaymentView payment;

        // A second control API on the same database whose Redis dies after start-up: its top-up cannot reach Redis.
        var doomed = await RedisServer.StartAsync();
        var stopped = false;
        try
        {
            var settings = new Dictionary<string, string?>(fixture.HostSettings)
            {
                // Short enough that the top-up gives up on the dead Redis quickly, long enough for a slow start-up resync.
                ["ControlApi:Redis"] = doomed.Configuration + ",syncTimeout=2000,asyncTimeout=2000",
                ["ControlApi:RedisResyncInterval"] = "00:00:00",
            };
            await using var app = await ControlApiHost.BuildAsync(
                ["--urls", "http://127.0.0.1:0", "--environment", "Testing", "--Logging:LogLevel:Default=Error"],
                builder => builder.Configuration.AddInMemoryCollection(settings));
            await app.StartAsync();
            stopped = true;
            await doomed.DisposeAsync();

            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Authorization = user.Http.DefaultRequestHeaders.Authorization;
            payment = await TopUps.PostAsync(http, 4m, key: null, HttpStatusCode.Created);
            await app.StopAsync();
        }
        finally
        {
            if (!stopped)
            {
                await doomed.DisposeAsync();
            }
        }

        Assert.Equal(BillingRepository.Succeeded, payment.Status);
        Assert.False(await billing.IsCreditedAsync(payment.Id));
        Assert.Equal(0, await TopUps.RedisBalanceAsync(fixture, user.Account));
        Assert.Equal(4 * Nanos.PerDollar, (await billing.BalanceAsync(user.Account)).Balance);

        // Redis (the shared host's) is back: the periodic pass credits the payment, once.
        Assert.True(await fixture.Get<PeriodicRedisResync>().TickAsync());
        Assert.Equal(4 * Nanos.PerDollar, await TopUps.RedisBalanceAsync(fixture, user.Account));
        Assert.True(await billing.IsCreditedAsync(payment.Id));
        Assert.Equal("1", (string?)await fixture.RedisDb.HashGetAsync(RedisKeys.Account(user.Account), AccountFields.Paid));

        Assert.True(await fixture.Get<PeriodicRedisResync>().TickAsync());
        Assert.Equal(4 * Nanos.PerDollar, await TopUps.RedisBalanceAsync(fixture, user.Account));

        // A crash between the credit and the database mark re-runs the credit: the marker makes it a no-op.
        Assert.False(await fixture.Get<RedisState>().CreditPaymentAsync(user.Account, payment.Id, payment.AmountNanos));
        Assert.Equal(4 * Nanos.PerDollar, await TopUps.RedisBalanceAsync(fixture, user.Account));
    }

    [Fact]
    public async Task TopUp_SameIdempotencyKeyTwice_ChargesAndCreditsOnce_AndAnswersTheSame()
    {
        var user = await fixture.NewUserAsync();
        var key = Guid.NewGuid().ToString("N");
        var first = await TopUps.PostAsync(user.Http, 3m, key, HttpStatusCode.Created);
        var second = await TopUps.PostAsync(user.Http, 3m, key, HttpStatusCode.Created);

        Assert.Equal(first, second);
        var payments = await user.Http.GetFromJsonAsync<JsonPage<PaymentView>>("/api/billing/payments");
        Assert.Equal(first.Id, Assert.Single(payments!.Items).Id);
        Assert.Equal(3 * Nanos.PerDollar, await TopUps.RedisBalanceAsync(fixture, user.Account));
        Assert.Equal(3 * Nanos.PerDollar, (await fixture.Get<BillingRepository>().BalanceAsync(user.Account)).Balance);

        // Another key is another top-up.
        await TopUps.PostAsync(user.Http, 3m, Guid.NewGuid().ToString("N"), HttpStatusCode.Created);
        Assert.Equal(6 * Nanos.PerDollar, await TopUps.RedisBalanceAsync(fixture, user.Account));
    }

    [Fact]
    public async Task TopUp_SameIdempotencyKeyConcurrently_ChargesOnce()
    {
        var user = await fixture.NewUserAsync();
        var key = Guid.NewGuid().ToString("N");
        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => TopUps.PostAsync(user.Http, 1m, key, HttpStatusCode.Created)));

        Assert.Single(answers.Select(a => a.Id).Distinct());
        Assert.All(answers, a => Assert.Equal(BillingRepository.Succeeded, a.Status));
        var payments = await user.Http.GetFromJsonAsync<JsonPage<PaymentView>>("/api/billing/payments");
        Assert.Single(payments!.Items);
        Assert.Equal(Nanos.PerDollar, await TopUps.RedisBalanceAsync(fixture, user.Account));
    }

    [Fact]
    public async Task TopUp_SameIdempotencyKeyWithAnotherAmount_IsConflict()
    {
        var user = await fixture.NewUserAsync();
        var key = Guid.NewGuid().ToString("N");
        await TopUps.PostAsync(user.Http, 5m, key, HttpStatusCode.Created);

        using var request = TopUps.Request(6m, key);
        await Expect.ProblemAsync(await user.Http.SendAsync(request), HttpStatusCode.Conflict);
        Assert.Equal(5 * Nanos.PerDollar, await TopUps.RedisBalanceAsync(fixture, user.Account));
        Assert.Equal(5 * Nanos.PerDollar, (await fixture.Get<BillingRepository>().BalanceAsync(user.Account)).Balance);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class TopUpTests_Postgres(PostgresControlApiFixture fixture) : TopUpTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class TopUpTests_Sqlite(SqliteControlApiFixture fixture) : TopUpTests(fixture);
