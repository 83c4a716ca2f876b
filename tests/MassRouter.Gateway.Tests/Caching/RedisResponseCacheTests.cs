using MassRouter.Gateway.Caching;
using MassRouter.Gateway.Tests.Metering;
using Microsoft.Extensions.Logging.Abstractions;

namespace MassRouter.Gateway.Tests.Caching;

/// <summary>The cache the instances share, on a real redis-server: what one stores, another reads, until it expires.</summary>
[Collection(MeteringCollection.Name)]
public class RedisResponseCacheTests(MeteringFixture fixture)
{
    [Fact]
    public async Task AnAnswerStored_IsReadBack_ByAnotherInstance_UntilItsTtl()
    {
        var redis = fixture["redis"].Db.Multiplexer;
        var writer = new RedisResponseCache(redis, NullLogger<RedisResponseCache>.Instance);
        var reader = new RedisResponseCache(redis, NullLogger<RedisResponseCache>.Instance);
        var key = Guid.NewGuid().ToString("N");
        var answer = new CachedResponse("text/event-stream", "sim", "test/gpt", 1_790_000_000_000, "data: {\"x\":\"é\"}\n\ndata: [DONE]\n\n"u8.ToArray(), 35, 1L << 40);

        writer.Store(key, answer, TimeSpan.FromSeconds(30));

        CachedResponse? read = null;
        await KeyTests.AssertEventuallyAsync(async () => (read = await reader.GetAsync(key, CancellationToken.None)) is not null);
        Assert.Equal(answer.Body, read!.Body);
        Assert.Equal(answer with { Body = read.Body }, read);
        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(RedisResponseCache.KeyOf(key));
        Assert.InRange(ttl!.Value.TotalSeconds, 1, 30);
        Assert.Null(await reader.GetAsync(Guid.NewGuid().ToString("N"), CancellationToken.None));
    }

    [Fact]
    public void AnEntryCachedBeforeUsageWasKept_IsStillAnAnswer_WithNoTokens()
    {
        var answer = new CachedResponse("application/json", "sim", "test/gpt", 1_790_000_000_000, "{\"id\":1}"u8.ToArray(), 35, 16);
        var blob = answer.Serialize();
        // Version 1: the same blob without the two token counts after the store time.
        var bodyAt = blob.Length - answer.Body.Length;
        byte[] old = [1, .. blob[1..(bodyAt - 16)], .. answer.Body];

        Assert.Equal(answer, CachedResponse.Deserialize(blob)! with { Body = answer.Body });
        Assert.Equal(answer with { PromptTokens = 0, CompletionTokens = 0 }, CachedResponse.Deserialize(old)! with { Body = answer.Body });
        Assert.Equal(answer.Body, CachedResponse.Deserialize(old)!.Body);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 2, 0, 0, 0 })]
    [InlineData(new byte[] { 1, 255, 255, 255, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    public void ABlobItDidNotWrite_IsNoAnswer(byte[] blob) => Assert.Null(CachedResponse.Deserialize(blob));
}
