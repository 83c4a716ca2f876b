using System.Net;
using MassRouter.Core.Money;
using MassRouter.Core.Redis;
using MassRouter.Gateway.Tests.Forwarding;

namespace MassRouter.Gateway.Tests.Metering;

[Collection(MeteringCollection.Name)]
public class AdmissionTests(MeteringFixture fixture)
{
    private const long Dollar = Nanos.PerDollar;

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ConcurrentRequests_OnTwoInstances_NeverExceedTheKeyRpm(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar, k => k with { Rpm = 5 });
        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(async i =>
        {
            using var response = await b.Http.SendAsync(b.Chat(i % 2, key.Secret));
            return (response.StatusCode, RetryAfter: response.Headers.RetryAfter?.Delta, Code: await ErrorCodeAsync(response));
        }));

        // GCRA with a 5/min budget refills one request every 12 s: within this test exactly 5 get through, on whichever instance.
        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        var rejected = responses.Where(r => r.StatusCode != HttpStatusCode.OK).ToList();
        Assert.Equal(19, rejected.Count);
        Assert.All(rejected, r =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode);
            Assert.Equal("rate_limit_exceeded", r.Code);
            Assert.True(r.RetryAfter > TimeSpan.Zero);
        });
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task AccountRpm_IsSharedByItsKeys(string backend)
    {
        var b = fixture[backend];
        var first = await b.CreateKeyAsync(Dollar, account: a => a with { Rpm = 3 });
        var second = await b.CreateKeyAsync(Dollar);
        await MoveKeyToAccountAsync(b, second, first.Account);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await b.Http.SendAsync(b.Chat(i % 2, i % 3 == 0 ? first.Secret : second.Secret));
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task SuccessfulResponse_CarriesOpenAIRateLimitHeaders(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar, k => k with { Rpm = 60, Tpm = 100_000 });
        using var first = await b.Http.SendAsync(b.Chat(0, key.Secret));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("60", Header(first, "x-ratelimit-limit-requests"));
        Assert.Equal("59", Header(first, "x-ratelimit-remaining-requests"));
        Assert.Equal("1s", Header(first, "x-ratelimit-reset-requests"));
        Assert.Equal("100000", Header(first, "x-ratelimit-limit-tokens"));
        var remainingTokens = long.Parse(Header(first, "x-ratelimit-remaining-tokens"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(remainingTokens, 99_900, 99_999);
        Assert.Matches("^[0-9.]+(ms|s)$", Header(first, "x-ratelimit-reset-tokens"));

        using var second = await b.Http.SendAsync(b.Chat(1, key.Secret));
        Assert.Equal("58", Header(second, "x-ratelimit-remaining-requests"));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task TpmExceeded_Is429_WithTokensType(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar, k => k with { Tpm = 30 });
        var body = """{"model":"test/metered","messages":[{"role":"user","content":"This prompt alone is long enough to need more than thirty tokens of the budget when it is counted by the tokenizer, surely."}]}""";
        using var response = await b.Http.SendAsync(b.Chat(0, key.Secret, body));
        Assert.Equal("30", Header(response, "x-ratelimit-limit-tokens"));
        Assert.NotNull(response.Headers.RetryAfter);
        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
        Assert.Equal("tokens", error["type"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task AnImage_TakesAShareOfTheTpmBudget_NotItsBase64(string backend)
    {
        // 128 KB of base64 read as text would estimate ~90,000 tokens and be refused; an image is a share of 1,600.
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar, k => k with { Tpm = 10_000 });
        var image = Convert.ToBase64String(new byte[96 * 1024]);
        var body = $$"""{"model":"test/metered","messages":[{"role":"user","content":[{"type":"text","text":"What is in this picture?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,{{image}}"}""" + "}]}]}";

        using var response = await b.Http.SendAsync(b.Chat(0, key.Secret, body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var remaining = long.Parse(Header(response, "x-ratelimit-remaining-tokens"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(10_000 - remaining, 1_600, 1_700);
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task TpmExceeded_ByAnEmbeddingsInput_Is429(string backend)
    {
        // The admission's estimate counts an input's texts and token ids, as it counts a chat's messages.
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar, k => k with { Tpm = 30 });
        var ids = string.Join(",", Enumerable.Range(1, 31));
        foreach (var input in new[] { $"[[1,2],[{ids}]]", "[\"This text alone is long enough to need more than thirty tokens of the budget when it is counted by the tokenizer, surely. A second sentence leaves no doubt about it at all.\"]" })
        {
            using var response = await b.Http.SendAsync(b.Embeddings(0, key.Secret, $$"""{"model":"test/metered","input":{{input}}}"""));
            Assert.Equal("30", Header(response, "x-ratelimit-limit-tokens"));
            var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
            Assert.Equal("tokens", error["type"]!.GetValue<string>());
        }
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task EmptyBalance_Is402InsufficientQuota(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(0);
        using var response = await b.Http.SendAsync(b.Chat(0, key.Secret));
        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.PaymentRequired, "insufficient_quota");
        Assert.Equal("insufficient_quota", error["type"]!.GetValue<string>());
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task DailyCapReached_Is402(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar, k => k with { DailyCapNanos = 1 });
        using (var first = await b.Http.SendAsync(b.Chat(0, key.Secret)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        await b.WaitForEventsAsync(key.Account, 1);
        using var response = await b.Http.SendAsync(b.Chat(1, key.Secret));
        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.PaymentRequired, "insufficient_quota");
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task KeyConcurrency_IsLimitedPerInstance(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar, k => k with { MaxConcurrency = 1 });
        var hold = Guid.NewGuid().ToString("N");
        var held = b.Http.SendAsync(b.Chat(0, key.Secret, headers: [("x-sim-fault", "hold:" + hold), ("x-sim-request-id", hold)]));
        await fixture.WaitForUpstreamAsync(b.Http, hold);

        using (var second = await b.Http.SendAsync(b.Chat(0, key.Secret)))
        {
            Assert.NotNull(second.Headers.RetryAfter);
            await OpenAIErrorAssert.IsErrorAsync(second, HttpStatusCode.TooManyRequests, "rate_limit_exceeded");
        }

        await fixture.ReleaseAsync(b.Http, hold);
        using var first = await held;
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var after = await b.Http.SendAsync(b.Chat(0, key.Secret));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    internal static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : throw new Xunit.Sdk.XunitException($"missing header {name}");

    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response)
    {
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return null;
        }

        var json = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync());
        return json?["error"]?["code"]?.GetValue<string>();
    }

    private static async Task MoveKeyToAccountAsync(MeteringBackend b, TestKey key, string account)
    {
        await b.Db.HashSetAsync(RedisKeys.Key(Gateway.Auth.KeyHash.Of(key.Secret).ToHex()), Core.Redis.KeyFields.Account, account);
        await b.Db.PublishAsync(StackExchange.Redis.RedisChannel.Literal(RedisKeys.EventsChannel), RedisKeys.KeyChanged(Gateway.Auth.KeyHash.Of(key.Secret).ToHex()));
    }
}
