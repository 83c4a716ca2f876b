using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using MassRouter.Core.Redis;
using MassRouter.Core.Money;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>
/// With Redis (redis-server and the embedded Garnet alike) the stored-response index is shared: a response stored through
/// one gateway instance is retrieved through another, for its account's keys only.
/// </summary>
[Collection(MeteringCollection.Name)]
public class StoredResponseIndexTests(MeteringFixture fixture)
{
    private const long Dollar = Nanos.PerDollar;

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task AStoredResponse_IsReachableThroughEveryInstance_ForItsAccountOnly(string backend)
    {
        var b = fixture[backend];
        var owner = await b.CreateKeyAsync(Dollar);
        var stranger = await b.CreateKeyAsync(Dollar);
        using var created = await b.Http.SendAsync(b.Responses(0, owner.Secret, $$"""{"model":"{{MeteringBackend.ResponsesModel}}","input":"Hi"}"""));
        var text = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.OK, text);
        var id = (string)JsonNode.Parse(text)!["id"]!;

        var entry = RedisKeys.StoredObject(id);
        await KeyTests.AssertEventuallyAsync(async () => await b.Db.KeyExistsAsync(entry));
        Assert.Equal($"a:{owner.Account}\nsim-responses", (string?)await b.Db.StringGetAsync(entry));
        Assert.InRange((await b.Db.KeyTimeToLiveAsync(entry))!.Value, TimeSpan.FromDays(29.9), TimeSpan.FromDays(30));

        using var mine = await b.Http.SendAsync(Get(b.Addresses[1], id, owner.Secret));
        using var theirs = await b.Http.SendAsync(Get(b.Addresses[1], id, stranger.Secret));

        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        Assert.Equal(id, (string?)JsonNode.Parse(await mine.Content.ReadAsStringAsync())!["id"]);
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);

        // Deleted through the other instance: gone from the index for both.
        using var delete = new HttpRequestMessage(HttpMethod.Delete, new Uri(b.Addresses[1], "v1/responses/" + id));
        delete.Headers.Authorization = new AuthenticationHeaderValue("Bearer", owner.Secret);
        using var deleted = await b.Http.SendAsync(delete);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        await KeyTests.AssertEventuallyAsync(async () => !await b.Db.KeyExistsAsync(entry));
        using var gone = await b.Http.SendAsync(Get(b.Addresses[0], id, owner.Secret));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    private static HttpRequestMessage Get(Uri gateway, string id, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, "v1/responses/" + id));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }
}
