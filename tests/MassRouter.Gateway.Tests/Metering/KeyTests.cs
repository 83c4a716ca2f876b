using System.Diagnostics;
using System.Net;
using MassRouter.Core.Money;
using MassRouter.Core.Redis;
using MassRouter.Gateway.Admin;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Limits;
using MassRouter.Gateway.Tests.Forwarding;

namespace MassRouter.Gateway.Tests.Metering;

[Collection(MeteringCollection.Name)]
public class KeyTests(MeteringFixture fixture)
{
    private const long Dollar = Nanos.PerDollar;

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task RedisKey_Works_OnBothInstances(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        for (var gateway = 0; gateway < 2; gateway++)
        {
            using var response = await b.Http.SendAsync(b.Chat(gateway, key.Secret));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ConfiguredKey_StillWorks_Unmetered(string backend)
    {
        var b = fixture[backend];
        using var response = await b.Http.SendAsync(b.Chat(0, "sk-configured-unmetered"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("x-ratelimit-limit-requests"));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task AKeyBothConfiguredAndInRedis_IsMetered(string backend)
    {
        // The development seed's customer key and the configured development key both come from MASSROUTER_DEV_KEY.
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var gateway = await b.StartExtraGatewayAsync(new Uri(fixture.SimulatorAddress, "v1"), new() { ["MassRouter:ApiKeys:0:Key"] = key.Secret });
        try
        {
            for (var i = 0; i < 2; i++)
            {
                using var response = await b.Http.SendAsync(MeteringBackend.Chat(new Uri(gateway.Urls.First()), key.Secret));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            Assert.Equal(2, (await b.WaitForEventsAsync(key.Account, 2)).Count);
            Assert.True(await b.BalanceAsync(key.Account) < Dollar);
        }
        finally
        {
            await gateway.StopAsync();
            await gateway.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task RevokedKey_IsRejectedOnAllInstances_WithinOneSecond(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        for (var gateway = 0; gateway < 2; gateway++)
        {
            using var warm = await b.Http.SendAsync(b.Chat(gateway, key.Secret));
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        var revokedAt = Stopwatch.StartNew();
        await RecordWriter.WriteKeyAsync(b.Db, KeyHash.Of(key.Secret), new KeyRecord(key.KeyId, key.Account) { Status = RecordStatus.Revoked });
        for (var gateway = 0; gateway < 2; gateway++)
        {
            while (true)
            {
                using var response = await b.Http.SendAsync(b.Chat(gateway, key.Secret, """{"model":"test/metered","messages":[]}"""));
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_api_key");
                    break;
                }

                Assert.True(revokedAt.Elapsed < TimeSpan.FromSeconds(1), $"gateway {gateway} still accepts the revoked key after {revokedAt.Elapsed}");
            }
        }

        Assert.True(revokedAt.Elapsed < TimeSpan.FromSeconds(1));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ExpiredKey_IsRejected(string backend)
    {
        var b = fixture[backend];
        var expired = await b.CreateKeyAsync(Dollar, k => k with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds() });
        using var response = await b.Http.SendAsync(b.Chat(0, expired.Secret));
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_api_key");
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task KeyExpiringWhileCached_IsRejectedOnceExpired(string backend)
    {
        var b = fixture[backend];
        var expiresAt = DateTimeOffset.UtcNow.AddMilliseconds(600);
        var key = await b.CreateKeyAsync(Dollar, k => k with { ExpiresAt = expiresAt.ToUnixTimeMilliseconds() });
        using (var first = await b.Http.SendAsync(b.Chat(0, key.Secret)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        // The cached record carries its expiry: no invalidation is needed for it to take effect.
        var wait = expiresAt - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait + TimeSpan.FromMilliseconds(20));
        }

        using var response = await b.Http.SendAsync(b.Chat(0, key.Secret));
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.Unauthorized, "invalid_api_key");
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task SuspendedAccount_KeysAreRejected(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        using (var first = await b.Http.SendAsync(b.Chat(0, key.Secret)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        await RecordWriter.WriteAccountAsync(b.Db, new AccountRecord(key.Account) { Status = RecordStatus.Suspended });
        await AssertEventuallyAsync(async () =>
        {
            using var response = await b.Http.SendAsync(b.Chat(0, key.Secret));
            return response.StatusCode == HttpStatusCode.Unauthorized;
        });
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ModelNotAllowed_Is403(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar, k => k with { Models = [MeteringBackend.Model] });
        using var allowed = await b.Http.SendAsync(b.Chat(0, key.Secret));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);

        using var denied = await b.Http.SendAsync(b.Chat(0, key.Secret, """{"model":"test/other","messages":[{"role":"user","content":"hi"}]}"""));
        await OpenAIErrorAssert.IsErrorAsync(denied, HttpStatusCode.Forbidden, "model_not_allowed");
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task UnknownKeys_AreThrottledPerAddress_OverTheBudget_YetAValidNewKeyGetsThroughWithinASecond(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var unseen = await b.CreateKeyAsync(Dollar);
        var gateway = await b.StartExtraGatewayAsync(new Uri(fixture.SimulatorAddress, "v1"), new() { ["MassRouter:Metering:UnauthenticatedRequestsPerMinute"] = "5" });
        try
        {
            var address = new Uri(gateway.Urls.First());
            using (var warm = await b.Http.SendAsync(MeteringBackend.Chat(address, key.Secret)))
            {
                Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
            }

            for (var i = 0; i < 5; i++)
            {
                using var failed = await b.Http.SendAsync(MeteringBackend.Chat(address, "sk-unknown-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                await OpenAIErrorAssert.IsErrorAsync(failed, HttpStatusCode.Unauthorized, "invalid_api_key");
            }

            // Over the budget: the address's one lookup of this second goes to the first bad key, the next is refused.
            using (var looked = await b.Http.SendAsync(MeteringBackend.Chat(address, "sk-unknown-more")))
            {
                await OpenAIErrorAssert.IsErrorAsync(looked, HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
                Assert.Equal(TimeSpan.FromSeconds(1), looked.Headers.RetryAfter?.Delta);
            }

            using (var throttled = await b.Http.SendAsync(MeteringBackend.Chat(address, unseen.Secret)))
            {
                await OpenAIErrorAssert.IsErrorAsync(throttled, HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
                Assert.True(throttled.Headers.RetryAfter?.Delta <= TimeSpan.FromSeconds(1), "Retry-After says when the next lookup is allowed");
            }

            // A key already known to this instance is still served from memory.
            using (var known = await b.Http.SendAsync(MeteringBackend.Chat(address, key.Secret)))
            {
                Assert.Equal(HttpStatusCode.OK, known.StatusCode);
            }

            // A valid key this instance has not seen (a client sharing the address with the flood) gets through once the
            // address's next lookup is due, not a minute later when the window has slid past the flood.
            await Task.Delay(ClientIpLimiter.LookupInterval + TimeSpan.FromMilliseconds(100));
            using (var served = await b.Http.SendAsync(MeteringBackend.Chat(address, unseen.Secret)))
            {
                Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            }
        }
        finally
        {
            await gateway.StopAsync();
            await gateway.DisposeAsync();
        }
    }

    internal static async Task AssertEventuallyAsync(Func<Task<bool>> condition, int withinMs = 2000)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.ElapsedMilliseconds < withinMs, $"condition not met within {withinMs} ms");
            await Task.Delay(20);
        }
    }
}
