using System.Globalization;
using System.Net;
using MassRouter.Core.Money;
using MassRouter.Core.Redis;
using MassRouter.Core.Usage;
using MassRouter.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MassRouter.Gateway.Tests.Metering;

[Collection(MeteringCollection.Name)]
public class SettlementTests(MeteringFixture fixture)
{
    private const long Dollar = Nanos.PerDollar;
    private static readonly ModelPrice Price = new(MeteringBackend.InputPerMillion, MeteringBackend.OutputPerMillion);

    private static CancellationToken Deadline => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task UsageEvents_EqualCharges_EqualBalanceDrop_ToTheNanoDollar(string backend)
    {
        var b = fixture[backend];
        const long initial = 10 * Dollar;
        var key = await b.CreateKeyAsync(initial);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            var stream = i % 2 == 0 ? "true" : "false";
            var body = $$"""{"model":"test/metered","stream":{{stream}},"messages":[{"role":"user","content":"request {{i}}"}]}""";
            using var response = await b.Http.SendAsync(b.Chat(i % 2, key.Secret, body, ("x-sim-tokens", (5 + i).ToString(System.Globalization.CultureInfo.InvariantCulture))));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            _ = await response.Content.ReadAsStringAsync();
        }));

        var events = await b.WaitForEventsAsync(key.Account, 20);
        Assert.Equal(20, events.Count);
        Assert.Equal(20, events.Select(e => e.Id).Distinct().Count());
        Assert.All(events, e =>
        {
            Assert.Equal(UsageStatus.Ok, e.Status);
            Assert.False(e.Estimated);
            Assert.Equal(key.KeyId, e.KeyId);
            Assert.Equal(MeteringBackend.Model, e.Model);
            Assert.Equal("sim", e.Provider);
            Assert.True(e.PromptTokens > 0);
            Assert.Equal(Price.Cost(e.PromptTokens, e.CompletionTokens, e.CachedTokens), e.CostNanos);
            Assert.True(e.CostNanos > 0);
        });
        Assert.Equal(Enumerable.Range(5, 20).Sum(), events.Sum(e => e.CompletionTokens));

        var charged = events.Sum(e => e.CostNanos);
        Assert.Equal(initial - charged, await b.BalanceAsync(key.Account));
        var day = DateTimeOffset.FromUnixTimeMilliseconds(events[0].EndedAt);
        Assert.Equal(charged, (long)await b.Db.HashGetAsync(RedisKeys.DailySpend(key.Account, day), "account"));
        Assert.Equal(charged, (long)await b.Db.HashGetAsync(RedisKeys.MonthlySpend(key.Account, day), "k:" + key.KeyId));
        Assert.True(await b.Db.SetContainsAsync(RedisKeys.OutboxAccounts, key.Account));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task Embeddings_AreBilledForTheProvidersInputTokens_SmallOrLarge(string backend)
    {
        // Two inputs, and 300 (an answer of megabytes, whose usage is read as it is relayed).
        var b = fixture[backend];
        const long initial = Dollar;
        var key = await b.CreateKeyAsync(initial);
        var reported = new List<int>();
        foreach (var input in new[] { """["a first text to embed","and a second one"]""", "[" + string.Join(",", Enumerable.Range(0, 300).Select(i => $"\"text number {i}\"")) + "]" })
        {
            using var response = await b.Http.SendAsync(b.Embeddings(0, key.Secret, $$"""{"model":"test/metered","input":{{input}}}"""));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            reported.Add(System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!["usage"]!["prompt_tokens"]!.GetValue<int>());
        }

        var events = (await b.WaitForEventsAsync(key.Account, 2)).OrderBy(e => e.PromptTokens).ToList();
        Assert.Equal(reported.Order(), events.Select(e => (int)e.PromptTokens));
        Assert.All(events, usage =>
        {
            Assert.Equal(UsageStatus.Ok, usage.Status);
            Assert.False(usage.Estimated);
            Assert.Equal(MeteringBackend.Model, usage.Model);
            Assert.Equal(0, usage.CompletionTokens);
            Assert.Equal(Price.Cost(usage.PromptTokens, 0, 0), usage.CostNanos);
            Assert.True(usage.CostNanos > 0);
        });
        Assert.Equal(initial - events.Sum(e => e.CostNanos), await b.BalanceAsync(key.Account));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task Responses_AreBilledForTheUsageTheClientIsShown_StreamedOrNot_TranslatedOrNative(string backend)
    {
        var b = fixture[backend];
        const long initial = Dollar;
        var key = await b.CreateKeyAsync(initial);
        var shown = new List<(long Input, long Output)>();
        foreach (var (model, stream, tokens) in new[] { (MeteringBackend.Model, false, 7), (MeteringBackend.Model, true, 9), (MeteringBackend.ResponsesModel, false, 11), (MeteringBackend.ResponsesModel, true, 13) })
        {
            var body = $$"""{"model":"{{model}}","instructions":"Be brief.","input":"Say hello","stream":{{(stream ? "true" : "false")}}}""";
            using var response = await b.Http.SendAsync(b.Responses(0, key.Secret, body, ("x-sim-tokens", tokens.ToString(CultureInfo.InvariantCulture))));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            var json = stream ? text[(text.LastIndexOf("data: ", StringComparison.Ordinal) + 6)..] : text;
            var result = System.Text.Json.Nodes.JsonNode.Parse(json)!;
            var usage = (stream ? result["response"]! : result)["usage"]!;
            shown.Add(((long)usage["input_tokens"]!, (long)usage["output_tokens"]!));
        }

        // A compaction (only a provider serving the Responses API does it) is billed for its usage too.
        using (var compaction = b.Responses(0, key.Secret, $$"""{"model":"{{MeteringBackend.ResponsesModel}}","input":"Say hello"}""", ("x-sim-tokens", "15")))
        {
            compaction.RequestUri = new Uri(compaction.RequestUri!, "responses/compact");
            using var response = await b.Http.SendAsync(compaction);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var usage = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!["usage"]!;
            shown.Add(((long)usage["input_tokens"]!, (long)usage["output_tokens"]!));
        }

        var events = (await b.WaitForEventsAsync(key.Account, 5)).OrderBy(e => e.CompletionTokens).ToList();
        Assert.Equal(shown, events.Select(e => (e.PromptTokens, e.CompletionTokens)));
        Assert.Equal([7L, 9L, 11L, 13L, 15L], events.Select(e => e.CompletionTokens));
        Assert.Equal(
            [MeteringBackend.Model, MeteringBackend.Model, MeteringBackend.ResponsesModel, MeteringBackend.ResponsesModel, MeteringBackend.ResponsesModel],
            events.Select(e => e.Model));
        Assert.All(events, e =>
        {
            Assert.Equal(UsageStatus.Ok, e.Status);
            Assert.False(e.Estimated);
            Assert.Equal(Price.Cost(e.PromptTokens, e.CompletionTokens, e.CachedTokens), e.CostNanos);
        });
        Assert.Equal(initial - events.Sum(e => e.CostNanos), await b.BalanceAsync(key.Account));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task AdmissionAndSettlement_TakeTheRequestPipeline_NotTheMultiplexer(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(10 * Dollar);
        var pipeline = b.Gateways[0].Services.GetRequiredService<Gateway.Redis.RespPipeline>();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!pipeline.IsUsable)
        {
            Assert.True(DateTime.UtcNow < deadline, "the request pipeline did not connect");
            await Task.Delay(20);
        }

        var before = pipeline.Sent;
        var itemsBefore = pipeline.Batchers.ToDictionary(batcher => batcher.Name, batcher => (batcher.Batches, batcher.Items));
        for (var i = 0; i < 3; i++)
        {
            var body = $$"""{"model":"test/metered","stream":{{(i == 1 ? "true" : "false")}},"messages":[{"role":"user","content":"pipeline {{i}}"}]}""";
            using var response = await b.Http.SendAsync(b.Chat(0, key.Secret, body));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            _ = await response.Content.ReadAsStringAsync();
        }

        var events = await b.WaitForEventsAsync(key.Account, 3);

        Assert.Equal(3, events.Count);

        // Every admission and every settlement went on the pipeline: three of each, in as many script calls as were
        // sent (settlements linger for company, so two of them may share a call).
        var sent = pipeline.Batchers.ToDictionary(batcher => batcher.Name, batcher => (Calls: batcher.Batches - itemsBefore[batcher.Name].Batches, Items: batcher.Items - itemsBefore[batcher.Name].Items));
        Assert.Equal(3, sent["admission"].Items);
        Assert.Equal(3, sent["settlement"].Items);
        Assert.Equal(sent["admission"].Calls + sent["settlement"].Calls, pipeline.Sent - before);
        Assert.Equal(10 * Dollar - events.Sum(e => e.CostNanos), await b.BalanceAsync(key.Account));

        // What an SRE sees: the pipeline up, and the commands it carried.
        var metrics = await b.Http.GetStringAsync(new Uri(b.Addresses[0], "/metrics"));
        Assert.Contains("massrouter_redis_pipeline_up 1", metrics, StringComparison.Ordinal);
        Assert.Contains("massrouter_redis_pipeline_commands_total " + pipeline.Sent.ToString(System.Globalization.CultureInfo.InvariantCulture), metrics, StringComparison.Ordinal);
    }

    /// <summary>Every backend, with a chat-completions stream and a Responses stream relayed as the provider sent it.</summary>
    public static TheoryData<string, bool> BackendsAndNativeResponses
    {
        get
        {
            var data = new TheoryData<string, bool>();
            foreach (string backend in MeteringFixture.Backends)
            {
                data.Add(backend, false);
                data.Add(backend, true);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(BackendsAndNativeResponses))]
    public async Task AbortedStream_IsBilledForPromptAndDeliveredOutput_AndMarkedAborted(string backend, bool nativeResponses)
    {
        var b = fixture[backend];
        const long initial = Dollar;
        var key = await b.CreateKeyAsync(initial);
        var headers = new[] { ("x-sim-tokens", "200"), ("x-sim-itl-ms", "20") };
        var response = await b.Http.SendAsync(
            nativeResponses
                ? b.Responses(0, key.Secret, $$"""{"model":"{{MeteringBackend.ResponsesModel}}","stream":true,"input":"Tell me a long story"}""", headers)
                : b.Chat(0, key.Secret, """{"model":"test/metered","stream":true,"messages":[{"role":"user","content":"Tell me a long story"}]}""", headers),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using (var sse = new SseClient(await response.Content.ReadAsStreamAsync()))
        {
            // A Responses stream opens with four events before its first delta.
            for (var i = 0; i < (nativeResponses ? 8 : 4); i++)
            {
                Assert.NotNull(await sse.NextDataAsync(Deadline));
            }
        }

        // Leave mid-stream.
        response.Dispose();
        await KeyTests.AssertEventuallyAsync(async () => (await b.OutboxAsync(key.Account)).Count == 1, 5000);
        await b.WhenSettledAsync();

        var usage = Assert.Single(await b.OutboxAsync(key.Account));
        Assert.Equal(UsageStatus.Aborted, usage.Status);
        Assert.True(usage.Estimated);
        Assert.True(usage.PromptTokens > 0);
        Assert.InRange(usage.CompletionTokens, 1, 199);
        Assert.Equal(Price.Cost(usage.PromptTokens, usage.CompletionTokens), usage.CostNanos);
        Assert.Equal(initial - usage.CostNanos, await b.BalanceAsync(key.Account));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task Fallback_IsBilledOnce_AtThePriceOfTheDeploymentThatAnswered(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var simulatorV1 = new Uri(fixture.SimulatorAddress, "v1");
        var gateway = await b.StartExtraGatewayAsync(simulatorV1, new()
        {
            ["MassRouter:Providers:healthy:BaseUrl"] = simulatorV1.ToString(),
            ["MassRouter:Providers:healthy:Headers:x-sim-fault"] = "",
            ["MassRouter:Models:0:Deployments:1:Provider"] = "healthy",
            ["MassRouter:Models:0:Deployments:1:Price:InputPerMillion"] = "7",
            ["MassRouter:Models:0:Deployments:1:Price:OutputPerMillion"] = "9",
        });
        try
        {
            using var response = await b.Http.SendAsync(
                MeteringBackend.Chat(new Uri(gateway.Urls.First()), key.Secret, MeteringBackend.DefaultBody, ("x-sim-fault", "status:503")));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("healthy", response.Headers.GetValues("x-massrouter-provider").Single());

            var usage = Assert.Single(await b.WaitForEventsAsync(key.Account, 1));
            Assert.Equal("healthy", usage.Provider);
            var deploymentPrice = new ModelPrice(7m, 9m).Cost(usage.PromptTokens, usage.CompletionTokens, usage.CachedTokens);
            Assert.Equal(deploymentPrice, usage.CostNanos);
            Assert.NotEqual(Price.Cost(usage.PromptTokens, usage.CompletionTokens, usage.CachedTokens), usage.CostNanos);
            Assert.Equal(Dollar - usage.CostNanos, await b.BalanceAsync(key.Account));
        }
        finally
        {
            await gateway.StopAsync();
            await gateway.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task UpstreamError_WithNothingGenerated_IsNotBilled(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        using var response = await b.Http.SendAsync(b.Chat(0, key.Secret, headers: ("x-sim-fault", "status:500")));
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        await b.WhenSettledAsync();
        Assert.Empty(await b.OutboxAsync(key.Account));
        Assert.Equal(Dollar, await b.BalanceAsync(key.Account));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task OverspendBound_BalanceGoesNegativeByAtMostTheInFlightCost(string backend)
    {
        var b = fixture[backend];
        const long initial = 1;
        const int inFlight = 6;
        var key = await b.CreateKeyAsync(initial);
        var hold = Guid.NewGuid().ToString("N");
        var requests = Enumerable.Range(0, inFlight)
            .Select(i => b.Http.SendAsync(b.Chat(i % 2, key.Secret, headers: [("x-sim-fault", $"hold:{hold}-{i}"), ("x-sim-request-id", $"{hold}-{i}"), ("x-sim-tokens", "10")])))
            .ToList();
        for (var i = 0; i < inFlight; i++)
        {
            await fixture.WaitForUpstreamAsync(b.Http, $"{hold}-{i}");
        }

        // All six were admitted while the balance was positive; each release lets one held response go.
        for (var i = 0; i < inFlight; i++)
        {
            await fixture.ReleaseAsync(b.Http, $"{hold}-{i}");
        }

        foreach (var request in requests)
        {
            using var response = await request;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var events = await b.WaitForEventsAsync(key.Account, inFlight);
        Assert.Equal(inFlight, events.Count);
        var balance = await b.BalanceAsync(key.Account);
        Assert.Equal(initial - events.Sum(e => e.CostNanos), balance);
        Assert.True(balance < 0);
        // The documented bound: below zero by at most the cost of the requests that were in flight.
        Assert.True(balance >= initial - (inFlight * events.Max(e => e.CostNanos)));

        using var refused = await b.Http.SendAsync(b.Chat(0, key.Secret));
        Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ActualTokens_ReplaceTheEstimate_InTheTpmWindow(string backend)
    {
        var b = fixture[backend];
        const long tpm = 6_000;
        var key = await b.CreateKeyAsync(Dollar, k => k with { Tpm = tpm });
        var sinceFirst = System.Diagnostics.Stopwatch.StartNew();
        using var first = await b.Http.SendAsync(b.Chat(0, key.Secret, headers: [("x-sim-tokens", "1000"), ("x-sim-itl-ms", "0")]));
        var afterEstimate = long.Parse(AdmissionTests.Header(first, "x-ratelimit-remaining-tokens"), System.Globalization.CultureInfo.InvariantCulture);
        var estimate = tpm - afterEstimate;
        var usage = Assert.Single(await b.WaitForEventsAsync(key.Account, 1));
        var actual = usage.PromptTokens + usage.CompletionTokens;
        Assert.True(actual > estimate + 900);

        // The second request (same prompt, same estimate) sees the first one's actual tokens, give or take the refill
        // since the first was admitted (100 tokens per second here); without the correction it would be near 6000 - 2 * estimate.
        using var second = await b.Http.SendAsync(b.Chat(1, key.Secret));
        var remaining = long.Parse(AdmissionTests.Header(second, "x-ratelimit-remaining-tokens"), System.Globalization.CultureInfo.InvariantCulture);
        var refill = (long)(sinceFirst.Elapsed.TotalSeconds * tpm / 60) + 2;
        Assert.InRange(remaining, tpm - actual - estimate - 1, tpm - actual - estimate + refill);
        Assert.True(refill < actual - estimate, "too slow a machine for this test to tell the correction from the refill");
    }
}
