using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using MassRouter.Core.Money;
using MassRouter.Core.Redis;
using MassRouter.Core.Usage;
using MassRouter.Gateway.Metering;
using Microsoft.Extensions.DependencyInjection;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>
/// Background responses (<c>background: true</c>): the provider answers queued and generates afterwards, so the gateway
/// holds the charge and bills the provider's usage once the response has finished — once, whichever instance checks it.
/// </summary>
[Collection(MeteringCollection.Name)]
public class BackgroundChargeTests(MeteringFixture fixture)
{
    private const long Dollar = Nanos.PerDollar;
    private static readonly ModelPrice Price = new(MeteringBackend.InputPerMillion, MeteringBackend.OutputPerMillion);

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ABackgroundResponse_IsBilledTheProvidersUsage_OnceItHasFinished(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var id = await CreateAsync(b, key, tokens: 40, intervalMs: 10, ("x-massrouter-user", "background-customer"));

        // Answered queued: nothing billed yet, the charge is held for the pollers.
        await KeyTests.AssertEventuallyAsync(async () => await b.Db.HashExistsAsync(RedisKeys.BackgroundCharges, id));
        Assert.NotNull(await b.Db.SortedSetScoreAsync(RedisKeys.BackgroundDue, id));
        Assert.Empty(await b.OutboxAsync(key.Account));

        var billed = Assert.Single(await b.WaitForEventsAsync(key.Account, 1));
        var usage = (await FinishedAsync(b, key, id))["usage"]!;
        Assert.Equal((long)usage["input_tokens"]!, billed.PromptTokens);
        Assert.Equal(40, billed.CompletionTokens);
        Assert.Equal(40, (long)usage["output_tokens"]!);
        Assert.False(billed.Estimated);
        Assert.Equal(UsageStatus.Ok, billed.Status);
        Assert.Equal("sim-responses", billed.Provider);
        Assert.Equal(MeteringBackend.ResponsesModel, billed.Model);
        Assert.Equal("background-customer", billed.User);
        var cost = Price.Cost(billed.PromptTokens, billed.CompletionTokens);
        Assert.Equal(cost, billed.CostNanos);
        Assert.Equal(Dollar - cost, await b.BalanceAsync(key.Account));

        // Settled: forgotten by the pollers.
        await KeyTests.AssertEventuallyAsync(async () => !await b.Db.HashExistsAsync(RedisKeys.BackgroundCharges, id));
        Assert.Null(await b.Db.SortedSetScoreAsync(RedisKeys.BackgroundDue, id));
    }

    [Fact]
    public async Task WhileNoChargeIsHeld_TheInstancesDoNotAskRedisEveryTick_AndOneHeldIsStillBilledAtOnce()
    {
        // redis-server's command statistics count the pollers' reads of the due set (Garnet keeps none).
        var b = fixture["redis"];
        await KeyTests.AssertEventuallyAsync(async () => await b.Db.SortedSetLengthAsync(RedisKeys.BackgroundDue) == 0, 15_000);
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // every instance's next tick has seen the set empty

        var before = await DueSetReadsAsync(b);
        await Task.Delay(TimeSpan.FromSeconds(4));

        // Polled every second, the two instances would have read it about eight times; each may wake once for a check
        // every BackgroundPollMax (30 s).
        Assert.InRange(await DueSetReadsAsync(b) - before, 0, 2);

        var key = await b.CreateKeyAsync(Dollar);
        var id = await CreateAsync(b, key, tokens: 5, intervalMs: 1);
        var billed = Assert.Single(await b.WaitForEventsAsync(key.Account, 1));
        Assert.Equal(5, billed.CompletionTokens);
        await KeyTests.AssertEventuallyAsync(async () => !await b.Db.HashExistsAsync(RedisKeys.BackgroundCharges, id));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task TwoInstancesCheckingTheSameFinishedResponse_ChargeItOnce(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var id = await CreateAsync(b, key, tokens: 3, intervalMs: 1);
        await FinishedAsync(b, key, id);

        // Both instances settle it at once (the pollers may join in): one event, one charge.
        await Task.WhenAll(
            Charges(b, 0).CheckNowAsync(id, CancellationToken.None),
            Charges(b, 1).CheckNowAsync(id, CancellationToken.None),
            Charges(b, 0).CheckNowAsync(id, CancellationToken.None));
        var billed = Assert.Single(await b.WaitForEventsAsync(key.Account, 1));
        await b.WhenSettledAsync();

        Assert.Single(await b.OutboxAsync(key.Account));
        Assert.Equal(3, billed.CompletionTokens);
        Assert.Equal(Dollar - billed.CostNanos, await b.BalanceAsync(key.Account));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task AStreamedBackgroundResponse_TheClientLeft_IsBilledInFull_NotCutShort(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        string id;
        using (var request = b.Responses(
            0,
            key.Secret,
            $$"""{"model":"{{MeteringBackend.ResponsesModel}}","input":"Tell me a story","background":true,"stream":true}""",
            ("x-sim-tokens", "30"),
            ("x-sim-itl-ms", "20")))
        using (var response = await b.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            id = await FirstResponseIdAsync(reader);

            // The client leaves after the first event; the provider goes on.
        }

        var billed = Assert.Single(await b.WaitForEventsAsync(key.Account, 1));
        Assert.Equal(30, billed.CompletionTokens);
        Assert.False(billed.Estimated);
        Assert.Equal(UsageStatus.Ok, billed.Status);
        Assert.Equal("completed", (string?)(await FinishedAsync(b, key, id))["status"]);
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ACancelledBackgroundResponse_IsBilledWhatTheProviderReports_AsAborted(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var id = await CreateAsync(b, key, tokens: 500, intervalMs: 20);

        // No poller gets to it for an hour: the cancel's own answer bills it.
        await PostponeChecksAsync(b, id);
        using var cancel = new HttpRequestMessage(HttpMethod.Post, new Uri(b.Addresses[1], $"v1/responses/{id}/cancel"));
        cancel.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Secret);
        using var cancelled = await b.Http.SendAsync(cancel);
        var text = await cancelled.Content.ReadAsStringAsync();
        Assert.True(cancelled.StatusCode == HttpStatusCode.OK, text);
        var answer = JsonNode.Parse(text)!;
        Assert.Equal("cancelled", (string?)answer["status"]);

        // The provider reports no usage for it (as the simulator does): billed what a client's abort is, its prompt.
        Assert.Null(answer["usage"]);
        var billed = Assert.Single(await b.WaitForEventsAsync(key.Account, 1));
        Assert.Equal(UsageStatus.Aborted, billed.Status);
        Assert.True(billed.Estimated);
        Assert.Equal(0, billed.CompletionTokens);
        Assert.InRange(billed.PromptTokens, 1, 20);
        Assert.Equal(Price.Cost(billed.PromptTokens, 0), billed.CostNanos);
        Assert.Equal(Dollar - billed.CostNanos, await b.BalanceAsync(key.Account));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task AFailedBackgroundResponse_IsNotCharged_ButRecordedAsAnError(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var id = await CreateAsync(b, key, tokens: 20, intervalMs: 1, ("x-sim-fault", "midstream-error:3"));
        Assert.Equal("failed", (string?)(await FinishedAsync(b, key, id))["status"]);

        var billed = Assert.Single(await b.WaitForEventsAsync(key.Account, 1));
        Assert.Equal(UsageStatus.Error, billed.Status);
        Assert.Equal(0, billed.CostNanos);
        Assert.Equal(Dollar, await b.BalanceAsync(key.Account));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ABackgroundResponse_TheClientSawFinished_IsBilledThen_NotAtTheNextPoll(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var id = await CreateAsync(b, key, tokens: 7, intervalMs: 1);

        // No poller gets to it for an hour: what bills it is the client's own retrieval showing it completed.
        await PostponeChecksAsync(b, id);
        var usage = (await FinishedAsync(b, key, id))["usage"]!;

        var billed = Assert.Single(await b.WaitForEventsAsync(key.Account, 1));
        Assert.Equal(7, billed.CompletionTokens);
        Assert.Equal((long)usage["input_tokens"]!, billed.PromptTokens);
        Assert.False(billed.Estimated);
        Assert.Equal(UsageStatus.Ok, billed.Status);
        await KeyTests.AssertEventuallyAsync(async () => !await b.Db.HashExistsAsync(RedisKeys.BackgroundCharges, id));
        Assert.Null(await b.Db.SortedSetScoreAsync(RedisKeys.BackgroundDue, id));
        Assert.Equal(Dollar - billed.CostNanos, await b.BalanceAsync(key.Account));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ABackgroundResponse_DeletedAsSoonAsItFinished_IsBilledItsUsageFirst(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var id = await CreateAsync(b, key, tokens: 5, intervalMs: 1);
        await FinishedAsync(b, key, id);

        // Deleted before any poller's first check (due a second after the request): the delete bills it first.
        using var delete = new HttpRequestMessage(HttpMethod.Delete, new Uri(b.Addresses[0], "v1/responses/" + id));
        delete.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Secret);
        using var deleted = await b.Http.SendAsync(delete);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);

        var billed = Assert.Single(await b.WaitForEventsAsync(key.Account, 1));
        Assert.Equal(5, billed.CompletionTokens);
        Assert.False(billed.Estimated);
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ABackgroundResponse_TheProviderNoLongerHas_IsBilledItsPromptEstimate(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var id = await CreateAsync(b, key, tokens: 5, intervalMs: 1);

        // Gone at the provider behind the gateway's back: the pollers are told 404.
        using var deleted = await b.Http.DeleteAsync(new Uri(fixture.SimulatorAddress, "v1/responses/" + id));
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);

        var billed = Assert.Single(await b.WaitForEventsAsync(key.Account, 1));
        Assert.True(billed.Estimated);
        Assert.Equal(UsageStatus.Aborted, billed.Status);
        Assert.Equal(0, billed.CompletionTokens);
        Assert.InRange(billed.PromptTokens, 1, 20);
        Assert.Equal(Price.Cost(billed.PromptTokens, 0), billed.CostNanos);
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task AnAccount_MayHaveOnlySoManyBackgroundResponsesInProgress_ItsOverspendBound(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var ids = new List<string>();
        for (var i = 0; i < MeteringBackend.MaxBackgroundResponses; i++)
        {
            ids.Add(await CreateAsync(b, key, tokens: 500, intervalMs: 20));
            await KeyTests.AssertEventuallyAsync(async () => await b.Db.HashExistsAsync(RedisKeys.BackgroundCharges, ids[^1]));
        }

        // One more while they run: refused before any provider is asked, nothing charged.
        using (var over = b.Responses(0, key.Secret, $$"""{"model":"{{MeteringBackend.ResponsesModel}}","input":"one more","background":true}"""))
        using (var refused = await b.Http.SendAsync(over))
        {
            var error = await Forwarding.OpenAIErrorAssert.IsErrorAsync(refused, HttpStatusCode.TooManyRequests, "too_many_background_responses");
            Assert.Contains(MeteringBackend.MaxBackgroundResponses.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)error["message"], StringComparison.Ordinal);
        }

        // A foreground request is not held back by them.
        using (var foreground = b.Responses(1, key.Secret, $$"""{"model":"{{MeteringBackend.ResponsesModel}}","input":"now"}"""))
        using (var answered = await b.Http.SendAsync(foreground))
        {
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        }

        // One settled (cancelled through the gateway): room for another.
        using (var cancel = new HttpRequestMessage(HttpMethod.Post, new Uri(b.Addresses[1], $"v1/responses/{ids[0]}/cancel")))
        {
            cancel.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Secret);
            using var cancelled = await b.Http.SendAsync(cancel);
            Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        }

        await KeyTests.AssertEventuallyAsync(async () => !await b.Db.HashExistsAsync(RedisKeys.BackgroundCharges, ids[0]));
        ids.Add(await CreateAsync(b, key, tokens: 500, intervalMs: 20));

        // All cancelled: the account's count of held charges is back to none.
        foreach (var id in ids.Skip(1))
        {
            using var cancel = new HttpRequestMessage(HttpMethod.Post, new Uri(b.Addresses[0], $"v1/responses/{id}/cancel"));
            cancel.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Secret);
            using var cancelled = await b.Http.SendAsync(cancel);
            Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        }

        await KeyTests.AssertEventuallyAsync(async () => !await b.Db.HashExistsAsync(RedisKeys.BackgroundHeld, key.Account));
        Assert.Equal(MeteringBackend.MaxBackgroundResponses + 2, (await b.WaitForEventsAsync(key.Account, MeteringBackend.MaxBackgroundResponses + 2)).Count);
    }

    /// <summary>Once its charge is held, puts the pollers' first check of <paramref name="id"/> an hour away.</summary>
    private static async Task PostponeChecksAsync(MeteringBackend b, string id)
    {
        await KeyTests.AssertEventuallyAsync(async () => await b.Db.HashExistsAsync(RedisKeys.BackgroundCharges, id));
        var later = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        await b.Db.SortedSetAddAsync(RedisKeys.BackgroundDue, id, later, StackExchange.Redis.SortedSetWhen.Exists);
        Assert.Equal(later, await b.Db.SortedSetScoreAsync(RedisKeys.BackgroundDue, id));
    }

    /// <summary>How many times Redis was asked for a range of a sorted set (the pollers' reads of the due set).</summary>
    private static async Task<long> DueSetReadsAsync(MeteringBackend b)
    {
        await using var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(
            "127.0.0.1:" + b.ServerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) + ",allowAdmin=true");
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        var stats = (await server.InfoAsync("commandstats")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
        return new[] { "cmdstat_zrange", "cmdstat_zrangebyscore" }.Sum(name =>
            stats.TryGetValue(name, out var value) ? long.Parse(value.Split(',')[0]["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture) : 0);
    }

    /// <summary>Creates a background response through gateway 0; returns its id once answered queued.</summary>
    private static async Task<string> CreateAsync(MeteringBackend b, TestKey key, int tokens, int intervalMs, params (string Name, string Value)[] headers)
    {
        using var request = b.Responses(
            0,
            key.Secret,
            $$"""{"model":"{{MeteringBackend.ResponsesModel}}","input":"Tell me a story","background":true}""",
            [
                ("x-sim-tokens", tokens.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("x-sim-itl-ms", intervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                .. headers,
            ]);
        using var response = await b.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var created = JsonNode.Parse(text)!;
        Assert.Equal("queued", (string?)created["status"]);
        Assert.True((bool)created["background"]!);
        return (string)created["id"]!;
    }

    /// <summary>The response, retrieved through gateway 1 until it has finished.</summary>
    private static async Task<JsonNode> FinishedAsync(MeteringBackend b, TestKey key, string id)
    {
        JsonNode? response = null;
        await KeyTests.AssertEventuallyAsync(
            async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(b.Addresses[1], "v1/responses/" + id));
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Secret);
                using var answer = await b.Http.SendAsync(request);
                response = JsonNode.Parse(await answer.Content.ReadAsStringAsync());
                return (string?)response?["status"] is "completed" or "incomplete" or "failed" or "cancelled";
            },
            10_000);
        return response!;
    }

    private static async Task<string> FirstResponseIdAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var data = JsonNode.Parse(line["data: ".Length..])!;
                return (string)data["response"]!["id"]!;
            }
        }

        throw new InvalidOperationException("The stream ended before its first event.");
    }

    private static BackgroundCharges Charges(MeteringBackend b, int gateway) => b.Gateways[gateway].Services.GetRequiredService<BackgroundCharges>();
}
