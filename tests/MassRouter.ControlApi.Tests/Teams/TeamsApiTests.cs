using MassRouter.ControlApi.Billing;
using MassRouter.ControlApi.Keys;
using MassRouter.ControlApi.Teams;
using MassRouter.ControlApi.Tests.Keys;
using MassRouter.Core.Redis;

namespace MassRouter.ControlApi.Tests.Teams;

public abstract class TeamsApiTests(ControlApiFixture fixture)
{
    [Fact]
    public async Task Roles_AreEnforced_ForMembersAdminsAndOwners()
    {
        var (owner, team) = await NewTeamAsync();
        var admin = await fixture.NewUserAsync("admin");
        var member = await fixture.NewUserAsync("member");
        await Expect.StatusAsync(await owner.Http.PostAsJsonAsync($"/api/teams/{team.Id}/members", new { email = admin.Email, role = "admin" }), HttpStatusCode.Created);
        await Expect.StatusAsync(await admin.Http.PostAsJsonAsync($"/api/teams/{team.Id}/members", new { email = member.Email }), HttpStatusCode.Created);

        // Members read; only admins and owners manage keys and money; only owners grant roles and set caps.
        Assert.Equal("member", (await member.Http.GetFromJsonAsync<TeamView>($"/api/teams/{team.Id}"))!.MyRole);
        Assert.Equal(3, (await member.Http.GetFromJsonAsync<JsonPage<TeamMemberView>>($"/api/teams/{team.Id}/members"))!.Total);
        await Expect.ProblemAsync(await member.Http.PostAsJsonAsync("/api/keys", new { name = "k", teamId = team.Id }), HttpStatusCode.Forbidden);
        await Expect.ProblemAsync(await member.Http.PostAsJsonAsync("/api/billing/topups", new { amountUsd = 1m, teamId = team.Id }), HttpStatusCode.Forbidden);
        await Expect.ProblemAsync(await admin.Http.PatchAsJsonAsync($"/api/teams/{team.Id}", new { dailyCapNanos = 5 }), HttpStatusCode.Forbidden);
        await Expect.ProblemAsync(await admin.Http.PatchAsJsonAsync($"/api/teams/{team.Id}/members/{member.UserId}", new { role = "owner" }), HttpStatusCode.Forbidden);
        await Expect.ProblemAsync(await admin.Http.PostAsJsonAsync($"/api/teams/{team.Id}/members", new { email = (await fixture.NewUserAsync()).Email, role = "admin" }), HttpStatusCode.Forbidden);

        var key = await KeysApiTests.CreateAsync(admin, team.Id);
        Assert.Equal(team.Account, key.Key.Account);
        Assert.Equal(team.Account, (string?)await fixture.RedisDb.HashGetAsync(RedisKeys.Key(KeySecret.Hash(key.Secret)), KeyFields.Account));
        Assert.Equal(1, (await member.Http.GetFromJsonAsync<JsonPage<KeyView>>($"/api/keys?teamId={team.Id}"))!.Total);
        await Expect.ProblemAsync(await member.Http.PostAsync($"/api/keys/{key.Key.Id}/revoke", null), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task TeamBalanceAndCaps_GoToTheTeamAccountRecord()
    {
        var (owner, team) = await NewTeamAsync();
        var events = await EventsSubscription.StartAsync(fixture.Redis.Connection);
        var updated = await Expect.JsonAsync<TeamView>(await owner.Http.PatchAsJsonAsync($"/api/teams/{team.Id}", new { rpm = 100, dailyCapNanos = 5_000_000_000, monthlyCapNanos = 50_000_000_000 }));
        Assert.Equal(100, updated.Rpm);
        await events.ReadAsync(RedisKeys.AccountChanged(team.Account));
        var record = (await fixture.RedisDb.HashGetAllAsync(RedisKeys.Account(team.Account))).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
        Assert.Equal("100", record[AccountFields.Rpm]);
        Assert.Equal("5000000000", record[AccountFields.DailyCapNanos]);
        Assert.Equal("50000000000", record[AccountFields.MonthlyCapNanos]);

        await Expect.StatusAsync(await owner.Http.PostAsJsonAsync("/api/billing/topups", new { amountUsd = 20m, teamId = team.Id }), HttpStatusCode.Created);
        Assert.Equal(20_000_000_000, (await owner.Http.GetFromJsonAsync<BalanceView>($"/api/billing/balance?teamId={team.Id}"))!.BalanceNanos);
        Assert.Equal(0, (await owner.Http.GetFromJsonAsync<BalanceView>("/api/billing/balance"))!.BalanceNanos);
    }

    [Fact]
    public async Task LastOwner_CannotLeaveOrBeDemoted()
    {
        var (owner, team) = await NewTeamAsync();
        await Expect.ProblemAsync(await owner.Http.DeleteAsync($"/api/teams/{team.Id}/members/{owner.UserId}"), HttpStatusCode.Conflict);
        await Expect.ProblemAsync(await owner.Http.PatchAsJsonAsync($"/api/teams/{team.Id}/members/{owner.UserId}", new { role = "member" }), HttpStatusCode.Conflict);
        var member = await fixture.NewUserAsync();
        await Expect.StatusAsync(await owner.Http.PostAsJsonAsync($"/api/teams/{team.Id}/members", new { email = member.Email }), HttpStatusCode.Created);
        await Expect.StatusAsync(await member.Http.DeleteAsync($"/api/teams/{team.Id}/members/{member.UserId}"), HttpStatusCode.NoContent);
        await Expect.ProblemAsync(await member.Http.GetAsync($"/api/teams/{team.Id}"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AddMember_InvalidInput_ReportsEachField()
    {
        var (owner, team) = await NewTeamAsync();
        await Expect.ValidationProblemAsync(await owner.Http.PostAsJsonAsync($"/api/teams/{team.Id}/members", new { email = "nobody@nowhere.test", role = "owner" }), "email");
        await Expect.ValidationProblemAsync(await owner.Http.PostAsJsonAsync($"/api/teams/{team.Id}/members", new { email = "", role = "boss" }), "email", "role");
    }

    internal async Task<(Session Owner, TeamView Team)> NewTeamAsync()
    {
        var owner = await fixture.NewUserAsync("owner");
        var team = await Expect.JsonAsync<TeamView>(await owner.Http.PostAsJsonAsync("/api/teams", new { name = "Team " + owner.UserId }), HttpStatusCode.Created);
        Assert.Equal("owner", team.MyRole);
        return (owner, team);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class TeamsApiTests_Postgres(PostgresControlApiFixture fixture) : TeamsApiTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class TeamsApiTests_Sqlite(SqliteControlApiFixture fixture) : TeamsApiTests(fixture);
