using System.Net;
using System.Text.Json.Nodes;
using MassRouter.Core.Money;
using MassRouter.Gateway.Tests.Forwarding;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary><c>GET /v1/key</c>: what the calling key may do and has left, read from Redis as admission reads it.</summary>
[Collection(MeteringCollection.Name)]
public class KeyInfoTests(MeteringFixture fixture)
{
    private const long Dollar = Nanos.PerDollar;

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task AFreshKey_ShowsItsBalance_LimitsAndCaps_WhollyUnused(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(
            3 * Dollar,
            k => k with { Name = "ci runner", Rpm = 60, Tpm = 100_000, DailyCapNanos = 2 * Dollar, MaxConcurrency = 4, Models = [MeteringBackend.Model] },
            a => a with { Rpm = 600, MonthlyCapNanos = 50 * Dollar });

        var info = await GetAsync(b, key.Secret);

        Assert.Equal("key", info["object"]!.GetValue<string>());
        Assert.Equal(key.KeyId, info["id"]!.GetValue<string>());
        Assert.Equal("ci runner", info["name"]!.GetValue<string>());
        Assert.Equal(key.Account, info["account"]!.GetValue<string>());
        Assert.True(info["metered"]!.GetValue<bool>());
        Assert.Null(info["expires_at"]);
        Assert.Equal([MeteringBackend.Model], info["models"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(4, info["max_concurrency"]!.GetValue<int>());
        Assert.Equal("active", info["account_status"]!.GetValue<string>());
        Assert.Equal(3m, info["balance_usd"]!.GetValue<decimal>());
        Assert.Equal(0m, info["usage"]!["key"]!["today_usd"]!.GetValue<decimal>());
        Assert.Equal(0m, info["usage"]!["account"]!["this_month_usd"]!.GetValue<decimal>());

        var keyLimits = info["limits"]!["key"]!;
        Assert.Equal(60, keyLimits["requests_per_minute"]!["limit"]!.GetValue<long>());
        Assert.Equal(60, keyLimits["requests_per_minute"]!["remaining"]!.GetValue<long>());
        Assert.Equal(0, keyLimits["requests_per_minute"]!["reset_ms"]!.GetValue<long>());
        Assert.Equal(100_000, keyLimits["tokens_per_minute"]!["remaining"]!.GetValue<long>());
        Assert.Equal(2m, keyLimits["daily_spend"]!["cap_usd"]!.GetValue<decimal>());
        Assert.Equal(2m, keyLimits["daily_spend"]!["remaining_usd"]!.GetValue<decimal>());
        Assert.Null(keyLimits["monthly_spend"]);

        var accountLimits = info["limits"]!["account"]!;
        Assert.Equal(600, accountLimits["requests_per_minute"]!["remaining"]!.GetValue<long>());
        Assert.Null(accountLimits["tokens_per_minute"]);
        Assert.Null(accountLimits["daily_spend"]);
        Assert.Equal(50m, accountLimits["monthly_spend"]!["remaining_usd"]!.GetValue<decimal>());
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task AfterARequest_TheBalanceSpendAndRoomLeftAreWhatAdmissionAndSettlementWrote(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar, k => k with { Rpm = 60, Tpm = 600, DailyCapNanos = Dollar }, a => a with { Rpm = 600 });
        using (var response = await b.Http.SendAsync(b.Chat(0, key.Secret)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var settled = (await b.WaitForEventsAsync(key.Account, 1)).Single();
        var charged = settled.CostNanos;
        Assert.True(charged > 0);

        // Either instance answers alike: the figures are Redis's, not the instance's.
        var info = await GetAsync(b, key.Secret, gateway: 1);

        Assert.Equal(Nanos.ToDollars(Dollar - charged), info["balance_usd"]!.GetValue<decimal>());
        Assert.Equal(Nanos.ToDollars(charged), info["usage"]!["key"]!["today_usd"]!.GetValue<decimal>());
        Assert.Equal(Nanos.ToDollars(charged), info["usage"]!["account"]!["this_month_usd"]!.GetValue<decimal>());
        var keyLimits = info["limits"]!["key"]!;
        Assert.Equal(Nanos.ToDollars(Dollar - charged), keyLimits["daily_spend"]!["remaining_usd"]!.GetValue<decimal>());

        // One request of a 60/min budget refills in a second; this read comes within it or just after. The tokens it
        // used (the settlement moved the TPM limiter from the estimate to them) refill at one per 100 ms.
        Assert.InRange(keyLimits["requests_per_minute"]!["remaining"]!.GetValue<long>(), 59, 60);
        Assert.InRange(info["limits"]!["account"]!["requests_per_minute"]!["remaining"]!.GetValue<long>(), 599, 600);
        var used = settled.PromptTokens + settled.CompletionTokens;
        var tokens = keyLimits["tokens_per_minute"]!;
        Assert.InRange(tokens["remaining"]!.GetValue<long>(), 600 - used, 599);
        Assert.InRange(tokens["reset_ms"]!.GetValue<long>(), 1, used * 100);
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task AnExhaustedLimit_ShowsNothingRemaining_AndWhenItRefills(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar, k => k with { Rpm = 2 });
        for (var i = 0; i < 2; i++)
        {
            using var response = await b.Http.SendAsync(b.Chat(0, key.Secret));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var rpm = (await GetAsync(b, key.Secret))["limits"]!["key"]!["requests_per_minute"]!;

        Assert.Equal(0, rpm["remaining"]!.GetValue<long>());
        Assert.InRange(rpm["reset_ms"]!.GetValue<long>(), 55_000, 60_000);
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task AConfiguredKey_IsShownUnmetered(string backend)
    {
        var b = fixture[backend];

        var info = await GetAsync(b, "sk-configured-unmetered");

        Assert.False(info["metered"]!.GetValue<bool>());
        Assert.Null(info["account"]);
        Assert.Null(info["balance_usd"]);
        Assert.Null(info["limits"]);
        Assert.Null(info["usage"]);
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task WithoutAValidKey_Is401_AndOtherMethods405(string backend)
    {
        var b = fixture[backend];
        using var missing = await b.Http.GetAsync(new Uri(b.Addresses[0], "v1/key"));
        await OpenAIErrorAssert.IsErrorAsync(missing, HttpStatusCode.Unauthorized, "missing_api_key");

        using var wrong = await b.Http.SendAsync(Request(b, HttpMethod.Get, "sk-mr-test-nobody"));
        await OpenAIErrorAssert.IsErrorAsync(wrong, HttpStatusCode.Unauthorized, "invalid_api_key");

        var key = await b.CreateKeyAsync(Dollar);
        using var post = await b.Http.SendAsync(Request(b, HttpMethod.Post, key.Secret));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal("GET, HEAD", string.Join(", ", post.Content.Headers.Allow));

        using var head = await b.Http.SendAsync(Request(b, HttpMethod.Head, key.Secret));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task WhileRedisIsDown_AKnownKey_Is503_NotAStaleBalance(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        await MeteringBackend.WarmAsync(b.Http, b.Gateways[0], key.Secret);

        b.Proxy.Cut();
        try
        {
            using var response = await b.Http.SendAsync(Request(b, HttpMethod.Get, key.Secret));
            await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.ServiceUnavailable, "service_unavailable");
            await b.WhenSettledAsync();
        }
        finally
        {
            await b.RestoreRedisAsync();
        }
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task AKeyThatCapsItsEndUsers_ShowsTheCaps_AndWhatTheNamedEndUserHasLeft(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar, k => k with { EndUserDailyCapNanos = Dollar / 2, EndUserMonthlyCapNanos = 2 * Dollar, EndUserRpm = 30 });
        using (var response = await b.Http.SendAsync(b.Chat(0, key.Secret, headers: [("x-massrouter-user", "alice")])))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var charged = (await b.WaitForEventsAsync(key.Account, 1)).Single().CostNanos;

        var anyone = (await GetAsync(b, key.Secret))["limits"]!["end_user"]!;
        Assert.Equal(0.5m, anyone["daily_spend"]!["cap_usd"]!.GetValue<decimal>());
        Assert.Null(anyone["daily_spend"]!["remaining_usd"]);
        Assert.Equal(2m, anyone["monthly_spend"]!["cap_usd"]!.GetValue<decimal>());
        Assert.Equal(30, anyone["requests_per_minute"]!["limit"]!.GetValue<long>());
        Assert.Null(anyone["requests_per_minute"]!["remaining"]);

        var alice = (await GetAsync(b, key.Secret, gateway: 1, endUser: "alice"))["limits"]!["end_user"]!;
        Assert.Equal(Nanos.ToDollars((Dollar / 2) - charged), alice["daily_spend"]!["remaining_usd"]!.GetValue<decimal>());
        Assert.Equal(Nanos.ToDollars((2 * Dollar) - charged), alice["monthly_spend"]!["remaining_usd"]!.GetValue<decimal>());
        Assert.InRange(alice["requests_per_minute"]!["remaining"]!.GetValue<long>(), 29, 30); // one request; a refill every 2 s
        var bob = (await GetAsync(b, key.Secret, endUser: "bob"))["limits"]!["end_user"]!;
        Assert.Equal(0.5m, bob["daily_spend"]!["remaining_usd"]!.GetValue<decimal>());
        Assert.Equal(30, bob["requests_per_minute"]!["remaining"]!.GetValue<long>());

        // A key without such caps says so.
        var plain = await b.CreateKeyAsync(Dollar);
        Assert.Null((await GetAsync(b, plain.Secret, endUser: "alice"))["limits"]!["end_user"]);
    }

    private static HttpRequestMessage Request(MeteringBackend b, HttpMethod method, string secret, int gateway = 0, string? endUser = null)
    {
        var request = new HttpRequestMessage(method, new Uri(b.Addresses[gateway], "v1/key"));
        request.Headers.Authorization = new("Bearer", secret);
        if (endUser is not null)
        {
            request.Headers.Add("x-massrouter-user", endUser);
        }

        return request;
    }

    private static async Task<JsonNode> GetAsync(MeteringBackend b, string secret, int gateway = 0, string? endUser = null)
    {
        using var response = await b.Http.SendAsync(Request(b, HttpMethod.Get, secret, gateway, endUser));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.NotNull(response.Headers.GetValues("x-request-id").Single());
        return JsonNode.Parse(body)!;
    }
}
