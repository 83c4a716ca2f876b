using MassRouter.ControlApi.Ledger;

namespace MassRouter.ControlApi.Tests.Ledger;

public abstract class UsageApiTests(ControlApiFixture fixture)
{
    private static readonly long Day1 = new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private static readonly long Day2 = new DateTimeOffset(2026, 3, 2, 23, 59, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    [Fact]
    public async Task Usage_GroupsByDayModelAndKey_WithTotals()
    {
        var user = await SeedAsync();
        var range = $"from={Day1 - 86_400_000}&to={Day2 + 86_400_000}";
        var byDay = await user.Http.GetFromJsonAsync<UsageReport>($"/api/usage?groupBy=day&{range}");
        Assert.Equal(["2026-03-01", "2026-03-02"], byDay!.Groups.Items.Select(g => g.Key));
        Assert.Equal([2L, 1L], byDay.Groups.Items.Select(g => g.Requests));
        Assert.Equal(new UsageTotals(3, 300, 150, 30, 111), byDay.Totals);

        var byModel = await user.Http.GetFromJsonAsync<UsageReport>($"/api/usage?groupBy=model&{range}");
        Assert.Equal([("m-a", 11L), ("m-b", 100L)], byModel!.Groups.Items.Select(g => (g.Key, g.CostNanos)));

        var byKey = await user.Http.GetFromJsonAsync<UsageReport>($"/api/usage?groupBy=key&{range}&pageSize=1");
        Assert.Equal(2, byKey!.Groups.Total);
        Assert.Equal(("k1", 101L), (byKey.Groups.Items[0].Key, byKey.Groups.Items[0].CostNanos));
        Assert.Equal(111, byKey.Totals.CostNanos);
    }

    [Fact]
    public async Task Usage_GroupsByEndUser_AndNarrowsToOne()
    {
        var user = await SeedAsync();
        var range = $"from={Day1 - 86_400_000}&to={Day2 + 86_400_000}";
        var byUser = await user.Http.GetFromJsonAsync<UsageReport>($"/api/usage?groupBy=user&{range}");
        Assert.Equal("user", byUser!.GroupBy);
        Assert.Equal([("", 10L), ("=bob", 100L), ("alice", 1L)], byUser.Groups.Items.Select(g => (g.Key, g.CostNanos)).OrderBy(g => g.Key, StringComparer.Ordinal));
        Assert.Equal(111, byUser.Totals.CostNanos);

        // One end user's spend by day: the groups and the totals are theirs only.
        var alice = await user.Http.GetFromJsonAsync<UsageReport>($"/api/usage?groupBy=day&user=alice&{range}");
        Assert.Equal([("2026-03-01", 1L)], alice!.Groups.Items.Select(g => (g.Key, g.Requests)));
        Assert.Equal(new UsageTotals(1, 100, 50, 10, 1), alice.Totals);
        var nobody = await user.Http.GetFromJsonAsync<UsageReport>($"/api/usage?user=carol&{range}");
        Assert.Equal(0, nobody!.Totals.Requests);
    }

    [Fact]
    public async Task Usage_InvalidQuery_ReportsEachField()
    {
        var user = await fixture.NewUserAsync();
        await Expect.ValidationProblemAsync(await user.Http.GetAsync($"/api/usage?groupBy=week&from=10&to=5&user={new string('u', 300)}"), "groupBy", "from", "user");
    }

    [Fact]
    public async Task Export_IsCsvOfEvents()
    {
        var user = await SeedAsync();
        var response = await user.Http.GetAsync($"/api/usage/export?from={Day1 - 1}&to={Day2 + 1}");
        await Expect.StatusAsync(response, HttpStatusCode.OK);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("event_id,request_id,ended_at,", lines[0], StringComparison.Ordinal);
        Assert.Equal(4, lines.Length);
        Assert.EndsWith(",2026-03-01T10:00:00.000Z,k1,m-a,sim,100,50,10,0,1,0.000000001,ok,200,false,alice", lines[1], StringComparison.Ordinal);
        // The end user is the client's text: one a spreadsheet would take for a formula is made inert; none is empty.
        Assert.EndsWith(",false,'=bob", lines[2], StringComparison.Ordinal);
        Assert.EndsWith(",false,", lines[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_AreListedNewestFirst_Paged_WithWhatEachCost()
    {
        var (user, events) = await SeedEventsAsync();
        var page = await user.Http.GetFromJsonAsync<JsonPage<UsageEventView>>($"/api/usage/events?from={Day1 - 1}&to={Day2 + 1}&pageSize=2");

        Assert.Equal(3, page!.Total);
        Assert.Equal([events[2].Id, events[1].Id], page.Items.Select(e => e.EventId));
        var newest = page.Items[0];
        Assert.Equal(events[2].RequestId, newest.RequestId);
        Assert.Equal(("k2", "m-a", "sim", "upstream", null), (newest.KeyId, newest.Model, newest.Provider, newest.UpstreamModel, newest.User));
        Assert.Equal((100L, 50L, 10L, 0L), (newest.PromptTokens, newest.CompletionTokens, newest.CachedTokens, newest.ReasoningTokens));
        Assert.Equal((10L, "0.00000001"), (newest.CostNanos, newest.CostUsd));
        Assert.Equal(("ok", 200L, false), (newest.Status, newest.HttpStatus, newest.Estimated));
        Assert.Equal((Day2 - 1000, Day2, 1000L, 100L), (newest.StartedAt, newest.EndedAt, newest.LatencyMs, newest.TtftMs));

        var second = await user.Http.GetFromJsonAsync<JsonPage<UsageEventView>>($"/api/usage/events?from={Day1 - 1}&to={Day2 + 1}&pageSize=2&page=2");
        Assert.Equal([events[0].Id], second!.Items.Select(e => e.EventId));

        // The default range is the last 30 days: these are older.
        Assert.Equal(0, (await user.Http.GetFromJsonAsync<JsonPage<UsageEventView>>("/api/usage/events"))!.Total);
    }

    [Fact]
    public async Task Events_AreNarrowedByRequestKeyModelStatusAndUser()
    {
        var (user, events) = await SeedEventsAsync();
        var range = $"from={Day1 - 1}&to={Day2 + 1}";

        async Task<IEnumerable<string>> IdsAsync(string filter) =>
            (await user.Http.GetFromJsonAsync<JsonPage<UsageEventView>>($"/api/usage/events?{range}&{filter}"))!.Items.Select(e => e.EventId);

        Assert.Equal([events[1].Id], await IdsAsync("requestId=" + Uri.EscapeDataString(events[1].RequestId)));
        Assert.Equal([events[1].Id, events[0].Id], await IdsAsync("keyId=k1"));
        Assert.Equal([events[2].Id, events[0].Id], await IdsAsync("model=m-a"));
        Assert.Equal([events[1].Id], await IdsAsync("user=" + Uri.EscapeDataString("=bob")));
        Assert.Equal([events[0].Id], await IdsAsync("user=alice&keyId=k1"));
        Assert.Empty(await IdsAsync("user=alice&keyId=k2"));
        Assert.Equal([events[0].Id], await IdsAsync("model=m-a&keyId=k1"));
        Assert.Empty(await IdsAsync("status=aborted"));
        Assert.Empty(await IdsAsync("requestId=req-of-someone-else"));
    }

    [Fact]
    public async Task Events_InvalidQuery_ReportsEachField()
    {
        var user = await fixture.NewUserAsync();
        await Expect.ValidationProblemAsync(
            await user.Http.GetAsync($"/api/usage/events?from=10&to=5&requestId={new string('x', 300)}&model=&user="),
            "from", "requestId", "model", "user");
    }

    private async Task<Session> SeedAsync() => (await SeedEventsAsync()).User;

    private async Task<(Session User, List<MassRouter.Core.Usage.UsageEvent> Events)> SeedEventsAsync()
    {
        var user = await fixture.NewUserAsync();
        List<MassRouter.Core.Usage.UsageEvent> events =
        [
            UsageEvents.Make(user.Account, 1, "m-a", "k1", Day1) with { User = "alice" },
            UsageEvents.Make(user.Account, 100, "m-b", "k1", Day1 + 1000) with { User = "=bob" },
            UsageEvents.Make(user.Account, 10, "m-a", "k2", Day2),
        ];
        foreach (var e in events)
        {
            await UsageEvents.SettleAsync(fixture.RedisDb, e);
        }

        await fixture.Get<LedgerFlusher>().DrainAsync(user.Account, CancellationToken.None);
        return (user, events);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class UsageApiTests_Postgres(PostgresControlApiFixture fixture) : UsageApiTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class UsageApiTests_Sqlite(SqliteControlApiFixture fixture) : UsageApiTests(fixture);
