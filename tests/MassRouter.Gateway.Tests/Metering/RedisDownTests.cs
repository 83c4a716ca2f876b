using System.Net;
using MassRouter.Core.Money;
using MassRouter.Core.Redis;
using MassRouter.Core.Usage;
using MassRouter.Gateway.Admin;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Tests.Forwarding;
using Microsoft.Extensions.DependencyInjection;

namespace MassRouter.Gateway.Tests.Metering;

[Collection(MeteringCollection.Name)]
public class RedisDownTests(MeteringFixture fixture)
{
    private const long Dollar = Nanos.PerDollar;
    private const long HalfACent = 5_000_000;

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task RedisDownAtSettle_Spools_AndReplaysExactlyOnce_WhenRedisReturns(string backend)
    {
        var b = fixture[backend];
        const long initial = Dollar;
        var paid = await b.CreateKeyAsync(initial, account: a => a with { Paid = true });
        var free = await b.CreateKeyAsync(initial);
        var hold = Guid.NewGuid().ToString("N");
        await MeteringBackend.WarmAsync(b.Http, b.Gateways[1], free.Secret);
        var freeWarm = (await b.OutboxAsync(free.Account)).Count;

        // Admitted while Redis is up, then Redis goes away while the provider is still answering.
        var held = Enumerable.Range(0, 2).Select(i => b.Http.SendAsync(b.Chat(i, paid.Secret, headers: [("x-sim-fault", $"hold:{hold}-{i}"), ("x-sim-request-id", $"{hold}-{i}")]))).ToList();
        for (var i = 0; i < 2; i++)
        {
            await fixture.WaitForUpstreamAsync(b.Http, $"{hold}-{i}");
        }

        b.Proxy.Cut();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                await fixture.ReleaseAsync(b.Http, $"{hold}-{i}");
                using var response = await held[i];
                Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            }

            // Admission with Redis down: closed for a paid account, open (under local limits) for the others.
            using (var closed = await b.Http.SendAsync(b.Chat(0, paid.Secret)))
            {
                await OpenAIErrorAssert.IsErrorAsync(closed, HttpStatusCode.ServiceUnavailable, "service_unavailable");
            }

            using (var open = await b.Http.SendAsync(b.Chat(1, free.Secret)))
            {
                Assert.Equal(HttpStatusCode.OK, open.StatusCode);
            }

            await KeyTests.AssertEventuallyAsync(() => Task.FromResult(SpooledLines(b, 0) == 1 && SpooledLines(b, 1) == 2));
            await b.WhenSettledAsync();
            Assert.Empty(await b.OutboxAsync(paid.Account));
            Assert.Equal(initial, await b.BalanceAsync(paid.Account));
        }
        finally
        {
            await b.RestoreRedisAsync();
        }

        // The replay loop drains both spools on its own once Redis answers again.
        await KeyTests.AssertEventuallyAsync(async () => (await b.OutboxAsync(paid.Account)).Count == 2 && (await b.OutboxAsync(free.Account)).Count == freeWarm + 1, 15_000);
        await KeyTests.AssertEventuallyAsync(() => Task.FromResult(!b.Settler(0).Spool.HasEntries && !b.Settler(1).Spool.HasEntries), 5_000);

        foreach (var key in new[] { paid, free })
        {
            var events = await b.OutboxAsync(key.Account);
            Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
            Assert.All(events, e => Assert.Equal(UsageStatus.Ok, e.Status));
            Assert.Equal(initial - events.Sum(e => e.CostNanos), await b.BalanceAsync(key.Account));
        }

        Assert.Equal(freeWarm + 1, (await b.OutboxAsync(free.Account)).Count);
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ReplayingTheSameEventTwice_ChargesOnce(string backend)
    {
        var b = fixture[backend];
        const long initial = Dollar;
        var key = await b.CreateKeyAsync(initial);
        var settlement = new Settlement(MeteringBackend.Event(key, 12_345), KeyTpm: 0, TokenDelta: 0);

        // Two gateways spool the same event (a settle that timed out after Redis ran it looks like this).
        b.Settler(0).Spool.Append(settlement);
        b.Settler(1).Spool.Append(settlement);
        Assert.True(await b.Settler(0).ReplaySpoolAsync());
        Assert.True(await b.Settler(1).ReplaySpoolAsync());

        var events = await b.OutboxAsync(key.Account);
        Assert.Equal(settlement.Event.Id, Assert.Single(events).Id);
        Assert.Equal(initial - 12_345, await b.BalanceAsync(key.Account));

        // The second replay was recognised as a duplicate, and says so in the metrics.
        using var metrics = await b.Http.GetAsync(new Uri(b.Addresses[1], "metrics"));
        Assert.Matches("massrouter_settlements_total\\{outcome=\"duplicate\"\\} [1-9]", await metrics.Content.ReadAsStringAsync());
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task CachedKeys_KeepWorking_AndUnknownKeysAre503_WhileRedisIsDown(string backend)
    {
        var b = fixture[backend];
        var known = await b.CreateKeyAsync(Dollar);
        var unknownToInstance = await b.CreateKeyAsync(Dollar);
        await MeteringBackend.WarmAsync(b.Http, b.Gateways[0], known.Secret);
        var knownWarm = (await b.OutboxAsync(known.Account)).Count;

        b.Proxy.Cut();
        try
        {
            using var cached = await b.Http.SendAsync(b.Chat(0, known.Secret));
            Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
            using var cold = await b.Http.SendAsync(b.Chat(0, unknownToInstance.Secret));
            await OpenAIErrorAssert.IsErrorAsync(cold, HttpStatusCode.ServiceUnavailable, "service_unavailable");

            // On /v1/messages too: not a 401 (an Anthropic client would give up on a key that is fine), a retryable 503.
            using var messages = new HttpRequestMessage(HttpMethod.Post, new Uri(b.Addresses[0], "v1/messages"))
            {
                Content = new StringContent("""{"model":"test/metered","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}""", System.Text.Encoding.UTF8, "application/json"),
            };
            messages.Headers.Add("x-api-key", unknownToInstance.Secret);
            using var coldMessages = await b.Http.SendAsync(messages);
            Assert.Equal(
                "The API key could not be verified right now. Please try again shortly.",
                await AnthropicErrorAssert.IsErrorAsync(coldMessages, HttpStatusCode.ServiceUnavailable, "overloaded_error"));
            await b.WhenSettledAsync();
        }
        finally
        {
            await b.RestoreRedisAsync();
        }

        await KeyTests.AssertEventuallyAsync(async () => (await b.OutboxAsync(known.Account)).Count == knownWarm + 1, 15_000);
        using var afterwards = await b.Http.SendAsync(b.Chat(0, unknownToInstance.Secret));
        Assert.Equal(HttpStatusCode.OK, afterwards.StatusCode);
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task RedisDown_FailOpen_EnforcesKeyTpmLocally_AndOtherKeysPass(string backend)
    {
        var b = fixture[backend];
        const long tpm = 100;
        var limited = await b.CreateKeyAsync(Dollar, key: k => k with { Tpm = tpm });
        var other = await b.CreateKeyAsync(Dollar);
        await MeteringBackend.WarmAsync(b.Http, b.Gateways[0], limited.Secret);
        await MeteringBackend.WarmAsync(b.Http, b.Gateways[0], other.Secret);

        await WhileRedisIsCutAsync(b, other, async () =>
        {
            // Every request takes at least one token of the estimate, so the budget is gone within tpm + 1 requests.
            var admitted = 0;
            HttpResponseMessage response;
            while ((response = await b.Http.SendAsync(b.Chat(0, limited.Secret))).StatusCode == HttpStatusCode.OK)
            {
                response.Dispose();
                Assert.InRange(++admitted, 1, tpm);
            }

            using (response)
            {
                Assert.True(admitted > 0, "the key's first requests fit its token budget");
                var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
                Assert.Contains("tokens per min (TPM): Limit 100", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
                Assert.True(response.Headers.RetryAfter is not null, "retry-after is sent");
                Assert.Equal("100", response.Headers.GetValues("x-ratelimit-limit-tokens").Single());
            }
        });
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task RedisDown_FailOpen_EnforcesAccountRpmAcrossItsKeysLocally(string backend)
    {
        var b = fixture[backend];
        var first = await b.CreateKeyAsync(Dollar, account: a => a with { Rpm = 4 });
        var secondSecret = "sk-mr-test-" + Guid.NewGuid().ToString("N");
        await RecordWriter.WriteKeyAsync(b.Db, KeyHash.Of(secondSecret), new KeyRecord("key_" + Guid.NewGuid().ToString("N")[..10], first.Account), announce: false);
        var other = await b.CreateKeyAsync(Dollar, account: a => a with { Rpm = 4 });
        await MeteringBackend.WarmAsync(b.Http, b.Gateways[0], first.Secret);
        await MeteringBackend.WarmAsync(b.Http, b.Gateways[0], secondSecret);
        await MeteringBackend.WarmAsync(b.Http, b.Gateways[0], other.Secret);

        await WhileRedisIsCutAsync(b, other, async () =>
        {
            // A full minute's budget bursts (GCRA, as in Redis): 4 requests of the account's two keys, then 429.
            foreach (var secret in new[] { first.Secret, secondSecret, first.Secret, secondSecret })
            {
                using var admitted = await b.Http.SendAsync(b.Chat(0, secret));
                Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
            }

            using var rejected = await b.Http.SendAsync(b.Chat(0, first.Secret));
            var error = await OpenAIErrorAssert.IsErrorAsync(rejected, HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
            Assert.Contains("requests per min (RPM): Limit 4", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.True(rejected.Headers.RetryAfter is not null, "retry-after is sent");
        });
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task RedisDown_FailOpen_SpendCaps_CountLocalSpendOnTopOfWhatRedisLastReported(string backend)
    {
        var b = fixture[backend];
        var fresh = await b.CreateKeyAsync(Dollar, key: k => k with { DailyCapNanos = 1 });
        var spent = await b.CreateKeyAsync(Dollar, account: a => a with { MonthlyCapNanos = 1 });
        var other = await b.CreateKeyAsync(Dollar);
        // Warmed on the free model, so nothing is spent yet.
        await MeteringBackend.WarmAsync(b.Http, b.Gateways[0], fresh.Secret, MeteringBackend.FreeBody);
        await MeteringBackend.WarmAsync(b.Http, b.Gateways[0], other.Secret, MeteringBackend.FreeBody);
        await MeteringBackend.WarmAsync(b.Http, b.Gateways[0], spent.Secret);

        // The account's cap is reached while Redis is up: Redis says so, and this instance remembers the spend.
        using (var over = await b.Http.SendAsync(b.Chat(0, spent.Secret)))
        {
            await OpenAIErrorAssert.IsErrorAsync(over, HttpStatusCode.PaymentRequired, "insufficient_quota");
        }

        await WhileRedisIsCutAsync(b, other, async () =>
        {
            using (var overStill = await b.Http.SendAsync(b.Chat(0, spent.Secret)))
            {
                await OpenAIErrorAssert.IsErrorAsync(overStill, HttpStatusCode.PaymentRequired, "insufficient_quota");
            }

            // Nothing spent before the outage: one paid request is admitted, and its cost reaches the cap locally.
            using (var admitted = await b.Http.SendAsync(b.Chat(0, fresh.Secret)))
            {
                Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
            }

            using (var capped = await b.Http.SendAsync(b.Chat(0, fresh.Secret, MeteringBackend.FreeBody)))
            {
                var error = await OpenAIErrorAssert.IsErrorAsync(capped, HttpStatusCode.PaymentRequired, "insufficient_quota");
                Assert.Equal("insufficient_quota", error["type"]!.GetValue<string>());
            }
        });
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task RedisDown_FailOpen_RefusesAnAccountRedisLastSaidHadNoBalance(string backend)
    {
        var b = fixture[backend];
        var broke = await b.CreateKeyAsync(Dollar);
        var other = await b.CreateKeyAsync(Dollar);
        await MeteringBackend.WarmAsync(b.Http, b.Gateways[0], broke.Secret, MeteringBackend.FreeBody);
        await MeteringBackend.WarmAsync(b.Http, b.Gateways[0], other.Secret, MeteringBackend.FreeBody);

        // The balance runs out (spent on another instance, say): Redis refuses the key's next request here.
        await b.Db.HashSetAsync(RedisKeys.Account(broke.Account), AccountFields.BalanceNanos, 0);
        await KeyTests.AssertEventuallyAsync(async () =>
        {
            using var response = await b.Http.SendAsync(b.Chat(0, broke.Secret));
            await b.WhenSettledAsync();
            return response.StatusCode == HttpStatusCode.PaymentRequired;
        });

        await WhileRedisIsCutAsync(b, other, async () =>
        {
            // Before, a cached key was admitted under its local limits alone while Redis was away: free requests.
            using var refused = await b.Http.SendAsync(b.Chat(0, broke.Secret));
            await OpenAIErrorAssert.IsErrorAsync(refused, HttpStatusCode.PaymentRequired, "insufficient_quota");
        });
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task RedisDown_FailOpen_RefusesWhatTheLastSeenBalanceCannotCover(string backend)
    {
        var b = fixture[backend];
        var (key, other) = await HalfACentKeyAsync(b);

        await WhileRedisIsCutAsync(b, other, async () =>
        {
            // 1,000 output tokens of test/metered may cost $0.01, more than the half cent Redis last reported.
            using var refused = await b.Http.SendAsync(b.Chat(0, key.Secret, """{"model":"test/metered","max_tokens":1000,"messages":[{"role":"user","content":"hi"}]}"""));
            var error = await OpenAIErrorAssert.IsErrorAsync(refused, HttpStatusCode.PaymentRequired, "insufficient_quota");
            Assert.Contains("more than the $0.005 left on the account", error["message"]!.GetValue<string>(), StringComparison.Ordinal);

            using var covered = await b.Http.SendAsync(b.Chat(0, key.Secret, """{"model":"test/metered","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}"""));
            Assert.Equal(HttpStatusCode.OK, covered.StatusCode);
        });
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task WhatAnInstanceSawOfTheBalance_OutlivesTheResyncOfItsKeys(string backend)
    {
        var b = fixture[backend];
        var (key, other) = await HalfACentKeyAsync(b);

        // The resync (every 30 s, and on each reconnect) reloads every cached key: a new record object for this one.
        var store = b.Gateways[0].Services.GetRequiredService<RedisApiKeyStore>();
        Assert.True(store.TryFindCached(KeyHash.Of(key.Secret), out var before));
        await store.ResyncAsync();
        Assert.True(store.TryFindCached(KeyHash.Of(key.Secret), out var after));
        Assert.NotSame(before, after);
        Assert.Equal(HalfACent, after!.ObservedSpend.Balance);

        await WhileRedisIsCutAsync(b, other, async () =>
        {
            // Before, an outage starting between a resync and the key's next admission found no balance to check.
            using var refused = await b.Http.SendAsync(b.Chat(0, key.Secret, """{"model":"test/metered","max_tokens":1000,"messages":[{"role":"user","content":"hi"}]}"""));
            await OpenAIErrorAssert.IsErrorAsync(refused, HttpStatusCode.PaymentRequired, "insufficient_quota");
        });
    }

    /// <summary>
    /// A key of an account with half a cent, and a key of another funded account, both warm on gateway 0 (cached, and
    /// admitted once through Redis on a free model: the balance seen is the half cent).
    /// </summary>
    private static async Task<(TestKey Key, TestKey Other)> HalfACentKeyAsync(MeteringBackend b)
    {
        var key = await b.CreateKeyAsync(HalfACent);
        var other = await b.CreateKeyAsync(Dollar);
        await MeteringBackend.WarmAsync(b.Http, b.Gateways[0], key.Secret, MeteringBackend.FreeBody);
        await MeteringBackend.WarmAsync(b.Http, b.Gateways[0], other.Secret, MeteringBackend.FreeBody);
        return (key, other);
    }

    /// <summary>Runs <paramref name="body"/> with Redis cut off from the gateways, then checks that a key of another
    /// account still passes on the same instance, restores Redis and waits until what was spooled meanwhile is settled
    /// (so the next test starts with empty spools).</summary>
    private static async Task WhileRedisIsCutAsync(MeteringBackend b, TestKey unaffected, Func<Task> body)
    {
        b.Proxy.Cut();
        try
        {
            await body();
            using var response = await b.Http.SendAsync(b.Chat(0, unaffected.Secret));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await b.WhenSettledAsync();
        }
        finally
        {
            await b.RestoreRedisAsync();
        }

        await KeyTests.AssertEventuallyAsync(() => Task.FromResult(!b.Settler(0).Spool.HasEntries && !b.Settler(1).Spool.HasEntries), 15_000);
    }

    private static int SpooledLines(MeteringBackend b, int gateway)
    {
        var path = b.Settler(gateway).Spool.FilePath;
        return File.Exists(path) ? File.ReadAllLines(path).Length : 0;
    }
}
