using System.Net;
using MassRouter.Core.Money;
using MassRouter.Core.Redis;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>
/// An answer from the response cache generates nothing, so it bills nothing; it still counts against the key's limits,
/// and the ledger still gets its usage event (at no cost, provider <c>cache</c>).
/// </summary>
[Collection(MeteringCollection.Name)]
public class CachedAnswerMeteringTests(MeteringFixture fixture)
{
    private const long Dollar = Nanos.PerDollar;

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ACacheHit_IsFree_HasItsUsageEvent_AndLeavesNoRequestInFlight(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var body = $$"""{"model":"{{MeteringBackend.Model}}","stream":true,"stream_options":{"include_usage":true},"user":"carol","messages":[{"role":"user","content":"cached {{Guid.NewGuid():N}}"}]}""";
        var answers = new List<(string Cache, string RequestId)>();
        foreach (var gateway in new[] { 0, 0, 0 })
        {
            using var request = b.Chat(gateway, key.Secret, body, ("x-massrouter-cache-ttl", "300"), ("x-sim-tokens", "6"));
            using var response = await b.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            answers.Add((response.Headers.GetValues("x-massrouter-cache").Single(), response.Headers.GetValues("x-request-id").Single()));
        }

        Assert.Equal(["miss", "hit", "hit"], answers.Select(a => a.Cache));
        var events = await b.WaitForEventsAsync(key.Account, 3);
        var billed = Assert.Single(events, e => e.RequestId == answers[0].RequestId);
        Assert.Equal(6, billed.CompletionTokens);
        Assert.True(billed.CostNanos > 0);
        Assert.Equal(Dollar - billed.CostNanos, await b.BalanceAsync(key.Account));

        // Each hit is in the ledger: no cost, the cache as its provider, the tokens the answer was billed at, its end user.
        var hits = events.Where(e => e.RequestId != answers[0].RequestId).ToList();
        Assert.Equal(answers.Skip(1).Select(a => a.RequestId).Order(), hits.Select(e => e.RequestId).Order());
        Assert.All(hits, hit =>
        {
            Assert.Equal((0L, "cache", "ok", 200), (hit.CostNanos, hit.Provider, hit.Status, hit.HttpStatus));
            Assert.Equal((billed.PromptTokens, billed.CompletionTokens, "carol"), (hit.PromptTokens, hit.CompletionTokens, hit.User));
            Assert.NotEqual(billed.Id, hit.Id);
        });

        // The hits' in-flight records are gone (settled, not left for the sweep to bill).
        await KeyTests.AssertEventuallyAsync(async () => (await b.Db.HashLengthAsync(RedisKeys.Inflight(key.Account))) == 0);
        Assert.Equal(3, (await b.OutboxAsync(key.Account)).Count);
    }
}
