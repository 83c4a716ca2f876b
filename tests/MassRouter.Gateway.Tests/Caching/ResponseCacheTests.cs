using System.Net;
using MassRouter.Gateway.Tests.Forwarding;
using MassRouter.Gateway.Tests.Infrastructure;

namespace MassRouter.Gateway.Tests.Caching;

/// <summary>
/// The exact-match response cache (<c>x-massrouter-cache-ttl</c>): the same request from the same owner within the
/// time-to-live is answered byte for byte from the cache, without calling the provider.
/// </summary>
[Collection(GatewayCollection.Name)]
public class ResponseCacheTests(GatewayFixture gateway)
{
    private const string Ttl = "x-massrouter-cache-ttl";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheSameRequest_IsAnsweredFromTheCache_ByteForByte_WithoutTheProvider(bool stream)
    {
        var body = Body(stream);
        var (first, firstBytes) = await SendAsync(body, ("x-sim-tokens", "5"));
        Assert.Equal("miss", Header(first, "x-massrouter-cache"));
        Assert.Equal("sim", Header(first, "x-massrouter-provider"));

        var again = Guid.NewGuid().ToString("N");
        var (second, secondBytes) = await SendAsync(body, ("x-sim-request-id", again), ("x-sim-tokens", "9"));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("hit", Header(second, "x-massrouter-cache"));
        Assert.Equal(firstBytes, secondBytes);
        Assert.Equal(first.Content.Headers.ContentType!.MediaType, second.Content.Headers.ContentType!.MediaType);
        Assert.Equal("sim", Header(second, "x-massrouter-provider"));
        Assert.Equal("test/gpt", Header(second, "x-massrouter-model"));
        Assert.InRange(second.Headers.Age!.Value.TotalSeconds, 0, 60);
        Assert.NotEqual(Header(first, "x-request-id"), Header(second, "x-request-id"));
        await AssertNotAskedAsync(again);
    }

    [Fact]
    public async Task ADifferentBody_OrAnotherOwner_OrNoHeader_IsNotAnsweredFromIt()
    {
        var body = Body(stream: false);
        await SendAsync(body);

        var (otherBody, _) = await SendAsync(body.Replace("\"hi ", "\"hi  ", StringComparison.Ordinal));
        var (otherOwner, _) = await SendAsync(body, key: GatewayFixture.OtherKey);
        var unasked = Guid.NewGuid().ToString("N");
        using var plain = gateway.ChatRequest(body, headers: ("x-sim-request-id", unasked));
        using var plainAnswer = await gateway.Http.SendAsync(plain);

        Assert.Equal("miss", Header(otherBody, "x-massrouter-cache"));
        Assert.Equal("miss", Header(otherOwner, "x-massrouter-cache"));
        Assert.Equal(HttpStatusCode.OK, plainAnswer.StatusCode);
        Assert.False(plainAnswer.Headers.Contains("x-massrouter-cache"));
        Assert.Equal(HttpStatusCode.OK, (await gateway.Http.GetAsync(new Uri(gateway.SimulatorAddress, $"sim/requests/{unasked}"))).StatusCode);
    }

    [Fact]
    public async Task NoCache_AsksTheProvider_AndCachesItsNewAnswer()
    {
        var body = Body(stream: false);
        var (_, old) = await SendAsync(body, ("x-sim-tokens", "3"));

        var (refreshed, fresh) = await SendAsync(body, ("x-sim-tokens", "8"), ("Cache-Control", "no-cache"));
        var (later, laterBytes) = await SendAsync(body, ("x-sim-tokens", "1"));

        Assert.Equal("miss", Header(refreshed, "x-massrouter-cache"));
        Assert.NotEqual(old, fresh);
        Assert.Equal("hit", Header(later, "x-massrouter-cache"));
        Assert.Equal(fresh, laterBytes);
    }

    [Theory]
    [InlineData(false, "status:500")]
    [InlineData(false, "status:429")]
    [InlineData(true, "midstream-error:2")]
    public async Task AFailedAnswer_IsNotCached(bool stream, string fault)
    {
        var body = Body(stream);
        await SendAsync(body, ("x-sim-fault", fault));

        var again = Guid.NewGuid().ToString("N");
        var (second, _) = await SendAsync(body, ("x-sim-request-id", again));

        Assert.Equal("miss", Header(second, "x-massrouter-cache"));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Http.GetAsync(new Uri(gateway.SimulatorAddress, $"sim/requests/{again}"))).StatusCode);
    }

    [Fact]
    public async Task IdenticalRequestsWhileOneIsAnswered_WaitForItsAnswer_TheProviderAskedOnce()
    {
        var body = Body(stream: false);
        var ids = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid().ToString("N")).ToArray();
        var first = SendAsync(body, ("x-sim-request-id", ids[0]), ("x-sim-ttft-ms", "400"));
        await Task.Delay(100);
        var others = ids.Skip(1).Select(id => SendAsync(body, ("x-sim-request-id", id), ("x-sim-ttft-ms", "400"))).ToArray();
        var answers = await Task.WhenAll([first, .. others]);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Response.StatusCode));
        Assert.Equal("miss", Header(answers[0].Response, "x-massrouter-cache"));
        Assert.All(answers.Skip(1), a => Assert.Equal("hit", Header(a.Response, "x-massrouter-cache")));
        Assert.All(answers.Skip(1), a => Assert.Equal(answers[0].Body, a.Body));
        await AssertNotAskedAsync(ids[1]);
        await AssertNotAskedAsync(ids[2]);
    }

    [Fact]
    public async Task IdenticalStreams_AreNotHeldBack_EachIsAnsweredAsItComes()
    {
        var body = Body(stream: true);
        var ids = new[] { Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N") };
        var first = SendAsync(body, ("x-sim-request-id", ids[0]), ("x-sim-ttft-ms", "300"));
        await Task.Delay(100);
        var second = SendAsync(body, ("x-sim-request-id", ids[1]), ("x-sim-ttft-ms", "300"));
        var answers = await Task.WhenAll(first, second);

        Assert.All(answers, a => Assert.Equal("miss", Header(a.Response, "x-massrouter-cache")));
        Assert.Equal(HttpStatusCode.OK, (await gateway.Http.GetAsync(new Uri(gateway.SimulatorAddress, $"sim/requests/{ids[1]}"))).StatusCode);
    }

    [Fact]
    public async Task AStreamTheClientLeft_IsNotCached()
    {
        var body = Body(stream: true);
        using (var request = gateway.ChatRequest(body, headers: [(Ttl, "300"), ("x-sim-tokens", "50"), ("x-sim-itl-ms", "20")]))
        using (var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.StartsWith("data: ", await reader.ReadLineAsync(), StringComparison.Ordinal);

            // Gone after the first event.
        }

        await Task.Delay(200);
        var (second, text) = await SendAsync(body, ("x-sim-tokens", "2"));
        Assert.Equal("miss", Header(second, "x-massrouter-cache"));
        Assert.Contains("data: [DONE]", System.Text.Encoding.UTF8.GetString(text), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embeddings_AreCachedToo()
    {
        var body = $$"""{"model":"test/gpt","input":"cache me {{Guid.NewGuid():N}}"}""";
        using var first = gateway.JsonPost("v1/embeddings", body, headers: (Ttl, "60"));
        using var firstAnswer = await gateway.Http.SendAsync(first);
        var again = Guid.NewGuid().ToString("N");
        using var second = gateway.JsonPost("v1/embeddings", body, headers: [(Ttl, "60"), ("x-sim-request-id", again)]);
        using var secondAnswer = await gateway.Http.SendAsync(second);

        Assert.Equal("miss", Header(firstAnswer, "x-massrouter-cache"));
        Assert.Equal("hit", Header(secondAnswer, "x-massrouter-cache"));
        Assert.Equal(await firstAnswer.Content.ReadAsByteArrayAsync(), await secondAnswer.Content.ReadAsByteArrayAsync());
        await AssertNotAskedAsync(again);
    }

    [Fact]
    public async Task AModelCachedByDefault_IsCachedWithoutTheHeader_AndTheHeaderStillWins()
    {
        var app = await GatewayFixture.StartGatewayAsync(new Dictionary<string, string?>
        {
            ["MassRouter:Metering:Enabled"] = "false",
            ["MassRouter:ApiKeys:0:Key"] = GatewayFixture.Key,
            ["MassRouter:Providers:sim:BaseUrl"] = new Uri(gateway.SimulatorAddress, "v1").ToString(),
            ["MassRouter:Models:0:Id"] = "cached/embedding",
            ["MassRouter:Models:0:Deployments:0:Provider"] = "sim",
            ["MassRouter:Models:0:CacheTtl"] = "01:00:00",
        });
        try
        {
            var address = new Uri(app.Urls.First());
            var body = $$"""{"model":"cached/embedding","input":"{{Guid.NewGuid():N}}"}""";
            async Task<(string? Cache, byte[] Body)> EmbedAsync(params (string Name, string Value)[] headers)
            {
                using var request = gateway.JsonPost("v1/embeddings", body, headers: headers);
                request.RequestUri = new Uri(address, "v1/embeddings");
                using var response = await gateway.Http.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return (Header(response, "x-massrouter-cache"), await response.Content.ReadAsByteArrayAsync());
            }

            var first = await EmbedAsync();
            var second = await EmbedAsync();
            var refused = await EmbedAsync(("Cache-Control", "no-cache"));

            Assert.Equal("miss", first.Cache);
            Assert.Equal("hit", second.Cache);
            Assert.Equal(first.Body, second.Body);
            Assert.Equal("miss", refused.Cache);
        }
        finally
        {
            await GatewayFixture.StopAsync(app);
        }
    }

    [Fact]
    public async Task TheHeader_IsTheGatewaysOwn_NotSentToTheProvider()
    {
        var id = Guid.NewGuid().ToString("N");
        await SendAsync(Body(stream: false), ("x-sim-request-id", id));

        var headers = (await gateway.RecordedRequestAsync(id))["headers"]!.AsObject();
        Assert.Equal("Bearer " + GatewayFixture.UpstreamCredential, (string?)headers["authorization"]);
        Assert.DoesNotContain(headers, h => h.Key.Equals(Ttl, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("1.5")]
    public async Task ATtlThatIsNotWholeSeconds_Is400(string ttl)
    {
        using var request = gateway.ChatRequest(Body(stream: false), headers: (Ttl, ttl));
        using var response = await gateway.Http.SendAsync(request);

        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest, "invalid_cache_ttl");
        Assert.Equal(Ttl, (string?)error["param"]);
    }

    /// <summary>A chat request no other test sends.</summary>
    private static string Body(bool stream) =>
        $$"""{"model":"test/gpt","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi {{Guid.NewGuid():N}}"}]}""";

    private async Task<(HttpResponseMessage Response, byte[] Body)> SendAsync(string body, params (string Name, string Value)[] headers) =>
        await SendAsync(body, GatewayFixture.Key, headers);

    private async Task<(HttpResponseMessage Response, byte[] Body)> SendAsync(string body, string key, params (string Name, string Value)[] headers)
    {
        using var request = gateway.ChatRequest(body, key, [(Ttl, "300"), .. headers]);
        var response = await gateway.Http.SendAsync(request);
        return (response, await response.Content.ReadAsByteArrayAsync());
    }

    private async Task AssertNotAskedAsync(string simRequestId)
    {
        using var recorded = await gateway.Http.GetAsync(new Uri(gateway.SimulatorAddress, $"sim/requests/{simRequestId}"));
        Assert.Equal(HttpStatusCode.NotFound, recorded.StatusCode);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : null;
}
