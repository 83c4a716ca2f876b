using System.Net;
using System.Text.Json.Nodes;
using MassRouter.Core.Redis;

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
