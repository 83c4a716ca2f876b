using System.Net;
using MassRouter.Core.Money;
using MassRouter.Core.Redis;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>An answer from the response cache generates nothing, so it bills nothing; it still counts against the key's limits.</summary>
[Collection(MeteringCollection.Name)]
public class CachedAnswerMeteringTests(MeteringFixture fixture)
{
    private const long Dollar = Nanos.PerDollar;

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ACacheHit_IsFree_AndLeavesNoRequestInFlight(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var body = $$"""{"model":"{{MeteringBackend.Model}}","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"cached {{Guid.NewGuid():N}}"}]}""";
        var answers = new List<string>();
        foreach (var _ in Enumerable.Range(0, 3))
        {
            using var request = b.Chat(0, key.Secret, body, ("x-massrouter-cache-ttl", "300"), ("x-sim-tokens", "6"));
            using var response = await b.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            answers.Add(response.Headers.GetValues("x-massrouter-cache").Single());
        }

        Assert.Equal(["miss", "hit", "hit"], answers);
        var billed = Assert.Single(await b.WaitForEventsAsync(key.Account, 1));
        Assert.Equal(6, billed.CompletionTokens);
        Assert.Equal(Dollar - billed.CostNanos, await b.BalanceAsync(key.Account));

        // The hits' in-flight records are gone (released, not left for the sweep to bill).
        await KeyTests.AssertEventuallyAsync(async () => (await b.Db.HashLengthAsync(RedisKeys.Inflight(key.Account))) == 0);
        Assert.Single(await b.OutboxAsync(key.Account));
    }
}
