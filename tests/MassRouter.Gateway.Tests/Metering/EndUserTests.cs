using System.Net;
using System.Text.Json.Nodes;
using MassRouter.Core.Redis;
using MassRouter.Gateway.Admin;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Limits;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>
/// Each usage event names the end user its request was for, as the client named it (OpenAI's <c>user</c> or
/// <c>safety_identifier</c>, Anthropic's <c>metadata.user_id</c>, or the gateway's own <c>x-massrouter-user</c> header),
/// so an app sees what each of its users cost.
/// </summary>
[Collection(MeteringCollection.Name)]
public class EndUserTests(MeteringFixture fixture)
{
    private const long Dollar = MassRouter.Core.Money.Nanos.PerDollar;

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task TheEndUser_TheClientNamed_IsOnItsUsageEvent(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var cases = new (string Tag, HttpRequestMessage Request, string? Expected)[]
        {
            ("user", b.Chat(0, key.Secret, Chat("\"user\":\"alice\"", "user")), "alice"),
            ("safety", b.Chat(1, key.Secret, Chat("\"safety_identifier\":\"hash-7\"", "safety")), "hash-7"),
            ("both", b.Chat(0, key.Secret, Chat("\"safety_identifier\":\"hash-8\",\"user\":\"bob\"", "both")), "bob"),
            ("header", b.Chat(0, key.Secret, Chat("\"user\":\"alice\"", "header"), ("x-massrouter-user", "carol")), "carol"),
            ("none", b.Chat(1, key.Secret, Chat("\"user\":\"\"", "none")), null),
            ("long", b.Chat(0, key.Secret, Chat($"\"user\":\"{new string('l', 300)}\"", "long")), new string('l', 256)),
            ("completions", Completions(b, key.Secret, $$"""{"model":"{{MeteringBackend.Model}}","prompt":"completions","user":"heidi"}"""), "heidi"),
            ("embeddings", b.Embeddings(0, key.Secret, $$"""{"model":"{{MeteringBackend.Model}}","input":"embeddings","user":"dave"}"""), "dave"),
            ("responses", b.Responses(1, key.Secret, $$"""{"model":"{{MeteringBackend.Model}}","input":"responses","safety_identifier":"erin"}"""), "erin"),
            ("messages", b.Messages(0, key.Secret, Claude("\"metadata\":{\"user_id\":\"frank\"}", "messages")), "frank"),
            // top_k has no chat form: the body goes to Anthropic as sent, and its metadata.user_id is read from it.
            ("messages-native", b.Messages(1, key.Secret, Claude("\"top_k\":5,\"metadata\":{\"user_id\":\"grace\"}", "messages-native")), "grace"),
        };
        var requestIds = new Dictionary<string, string>();
        foreach (var (tag, request, _) in cases)
        {
            using (request)
            using (var response = await b.Http.SendAsync(request))
            {
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{tag}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                requestIds[response.Headers.GetValues("x-request-id").Single()] = tag;
            }
        }

        var events = await b.WaitForEventsAsync(key.Account, cases.Length);
        var users = events.ToDictionary(e => requestIds[e.RequestId], e => e.User);
        Assert.All(cases, c => Assert.True(c.Expected == users[c.Tag], $"{c.Tag}: expected {c.Expected ?? "null"}, got {users[c.Tag] ?? "null"}"));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task AHeaderThatNamesNoUser_Is400_AndNothingIsCharged(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        foreach (var value in new[] { "", new string('u', 257) })
        {
            using var response = await b.Http.SendAsync(b.Chat(0, key.Secret, MeteringBackend.DefaultBody, ("x-massrouter-user", value)));

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
            Assert.Equal("invalid_user", (string?)error["code"]);
            Assert.Contains("x-massrouter-user", (string?)error["message"], StringComparison.Ordinal);
        }

        using var anthropic = b.Messages(0, key.Secret, Claude("", "bad-header"));
        anthropic.Headers.Add("x-massrouter-user", new string('u', 257));
        using var refused = await b.Http.SendAsync(anthropic);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("invalid_request_error", (string?)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!["type"]);

        Assert.Equal(Dollar, await b.BalanceAsync(key.Account));
        Assert.Empty(await b.Db.HashGetAllAsync(RedisKeys.Inflight(key.Account)));
        Assert.Empty(await b.OutboxAsync(key.Account));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task AKeyThatCapsEachEndUser_RefusesOnlyTheEndUserWhoReachedIt_AndChargesNothingForIt(string backend)
    {
        var b = fixture[backend];
        // A nano-dollar a day: an end user's first charge reaches it.
        var key = await b.CreateKeyAsync(Dollar, k => k with { EndUserDailyCapNanos = 1 });
        await SendAsync(b, 0, key, Chat("\"user\":\"alice\"", "first"), HttpStatusCode.OK);
        var alice = (await b.WaitForEventsAsync(key.Account, 1)).Single();
        Assert.True(alice.CostNanos > 0);

        // Either instance, the body's user or the header: alice is over her cap.
        var refused = await SendAsync(b, 1, key, Chat("\"user\":\"alice\"", "again"), HttpStatusCode.PaymentRequired);
        Assert.Equal("end_user_budget_exceeded", (string?)refused.Error["code"]);
        Assert.Equal("insufficient_quota", (string?)refused.Error["type"]);
        Assert.Contains("per UTC day", (string?)refused.Error["message"], StringComparison.Ordinal);
        Assert.InRange(refused.RetryAfterSeconds!.Value, 1, 24 * 3600);
        await SendAsync(b, 0, key, MeteringBackend.DefaultBody, HttpStatusCode.PaymentRequired, ("x-massrouter-user", "alice"));
        using (var embeddings = await b.Http.SendAsync(b.Embeddings(1, key.Secret, $$"""{"model":"{{MeteringBackend.Model}}","input":"x","user":"alice"}""")))
        {
            Assert.Equal(HttpStatusCode.PaymentRequired, embeddings.StatusCode);
        }

        // A request that names no end user, and another end user (the header wins over the body), are served.
        await SendAsync(b, 0, key, MeteringBackend.DefaultBody, HttpStatusCode.OK);
        await SendAsync(b, 1, key, Chat("\"user\":\"alice\"", "bob"), HttpStatusCode.OK, ("x-massrouter-user", "bob"));
        var events = await b.WaitForEventsAsync(key.Account, 3);
        Assert.Equal(3, events.Count);
        await SendAsync(b, 0, key, Chat("\"user\":\"bob\"", "bob again"), HttpStatusCode.PaymentRequired);

        // Only the three served requests were charged; the refused ones left no record behind; each end user's spend
        // is what their requests cost, and the request with none counted for nobody.
        await b.WhenSettledAsync();
        Assert.Equal(3, (await b.OutboxAsync(key.Account)).Count);
        Assert.Equal(Dollar - events.Sum(e => e.CostNanos), await b.BalanceAsync(key.Account));
        Assert.Empty(await b.Db.HashGetAllAsync(RedisKeys.Inflight(key.Account)));
        var daily = RedisKeys.DailySpend(key.Account, DateTimeOffset.UtcNow);
        var monthly = RedisKeys.MonthlySpend(key.Account, DateTimeOffset.UtcNow);
        var bobCost = events.Single(e => e.User == "bob").CostNanos;
        Assert.Equal(alice.CostNanos, (long)await b.Db.HashGetAsync(daily, EndUserSpend.Field("alice")));
        Assert.Equal(bobCost, (long)await b.Db.HashGetAsync(monthly, EndUserSpend.Field("bob")));
        Assert.Equal(4, (await b.Db.HashGetAllAsync(daily)).Length); // the account's, the key's, alice's and bob's
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task AMonthlyCapPerEndUser_RefusesWithItsOwnMessage_AndAKeyWithoutCapsCountsNoEndUser(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar, k => k with { EndUserDailyCapNanos = Dollar, EndUserMonthlyCapNanos = 1 });
        await SendAsync(b, 0, key, Chat("\"user\":\"carol\"", "first"), HttpStatusCode.OK);
        await b.WaitForEventsAsync(key.Account, 1);

        var refused = await SendAsync(b, 0, key, Chat("\"user\":\"carol\"", "again"), HttpStatusCode.PaymentRequired);
        Assert.Contains("per calendar month", (string?)refused.Error["message"], StringComparison.Ordinal);
        Assert.InRange(refused.RetryAfterSeconds!.Value, 1, 31 * 24 * 3600);

        var plain = await b.CreateKeyAsync(Dollar);
        await SendAsync(b, 0, plain, Chat("\"user\":\"carol\"", "plain"), HttpStatusCode.OK);
        await b.WaitForEventsAsync(plain.Account, 1);
        Assert.False(await b.Db.HashExistsAsync(RedisKeys.DailySpend(plain.Account, DateTimeOffset.UtcNow), EndUserSpend.Field("carol")));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task AKeysRequestsPerMinutePerEndUser_LimitsEachEndUserAcrossInstances_AndNoOneElse(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar, k => k with { EndUserRpm = 2, Rpm = 1_000 });
        using (var first = await b.Http.SendAsync(b.Chat(0, key.Secret, Chat("\"user\":\"alice\"", "one"))))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            // The tightest requests-per-minute limit on the request is the end user's.
            Assert.Equal("2", first.Headers.GetValues("x-ratelimit-limit-requests").Single());
            Assert.Equal("1", first.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        }

        await SendAsync(b, 1, key, MeteringBackend.DefaultBody, HttpStatusCode.OK, ("x-massrouter-user", "alice"));
        var refused = await SendAsync(b, 0, key, Chat("\"user\":\"alice\"", "three"), HttpStatusCode.TooManyRequests);
        Assert.Equal("rate_limit_exceeded", (string?)refused.Error["code"]);
        Assert.Contains("for this end user", (string?)refused.Error["message"], StringComparison.Ordinal);
        Assert.InRange(refused.RetryAfterSeconds!.Value, 1, 60);
        // Counted apart from the key's own RPM refusals.
        Assert.Contains(
            "massrouter_rejected_requests_total{code=\"end_user_rate_limit_exceeded\"}",
            await b.Http.GetStringAsync(new Uri(b.Addresses[0], "metrics")),
            StringComparison.Ordinal);

        for (var i = 0; i < 3; i++)
        {
            await SendAsync(b, i % 2, key, MeteringBackend.DefaultBody, HttpStatusCode.OK);
        }

        await SendAsync(b, 1, key, Chat("\"user\":\"bob\"", "bob"), HttpStatusCode.OK);

        // The limit is each key's own: another key of the account that limits its end users still serves alice.
        var other = new TestKey("sk-mr-test-" + Guid.NewGuid().ToString("N"), "key_" + Guid.NewGuid().ToString("N")[..10], key.Account);
        await RecordWriter.WriteKeyAsync(b.Db, KeyHash.Of(other.Secret), new KeyRecord(other.KeyId, key.Account) { EndUserRpm = 2 }, announce: false);
        await SendAsync(b, 0, other, Chat("\"user\":\"alice\"", "other key"), HttpStatusCode.OK);

        // Seven served, one refused before anything was charged; no spend is counted per end user without a cap.
        var events = await b.WaitForEventsAsync(key.Account, 7);
        await b.WhenSettledAsync();
        Assert.Equal(7, (await b.OutboxAsync(key.Account)).Count);
        Assert.Equal(Dollar - events.Sum(e => e.CostNanos), await b.BalanceAsync(key.Account));
        Assert.False(await b.Db.HashExistsAsync(RedisKeys.DailySpend(key.Account, DateTimeOffset.UtcNow), EndUserSpend.Field("alice")));
    }

    private static async Task<(JsonNode Error, long? RetryAfterSeconds)> SendAsync(
        MeteringBackend b, int gateway, TestKey key, string body, HttpStatusCode expected, params (string Name, string Value)[] headers)
    {
        using var response = await b.Http.SendAsync(b.Chat(gateway, key.Secret, body, headers));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} {text}");
        return expected == HttpStatusCode.OK
            ? (new JsonObject(), null)
            : (JsonNode.Parse(text)!["error"]!, (long?)response.Headers.RetryAfter?.Delta?.TotalSeconds);
    }

    private static HttpRequestMessage Completions(MeteringBackend b, string key, string body)
    {
        var request = b.Chat(1, key, body);
        request.RequestUri = new Uri(b.Addresses[1], "v1/completions");
        return request;
    }

    private static string Chat(string user, string text) =>
        $$"""{"model":"{{MeteringBackend.Model}}",{{user}},"messages":[{"role":"user","content":"{{text}}"}]}""";

    private static string Claude(string extra, string text) =>
        $$"""{"model":"{{MeteringBackend.ClaudeModel}}","max_tokens":100,{{extra}}{{(extra.Length > 0 ? "," : "")}}"messages":[{"role":"user","content":"{{text}}"}]}""";
}
