using MassRouter.ControlApi.Teams;
using MassRouter.ControlApi.Tests.Keys;

namespace MassRouter.ControlApi.Tests.Authorization;

/// <summary>Every endpoint that touches someone's resources, tried by the wrong user: 404 (not theirs) or 403 (not allowed).</summary>
public abstract class WrongUserTests(ControlApiFixture fixture)
{
    [Fact]
    public async Task EveryOwnedResource_IsInvisibleToOtherUsers()
    {
        var owner = await fixture.NewUserAsync("owner");
        var stranger = await fixture.NewUserAsync("stranger");
        var key = await KeysApiTests.CreateAsync(owner);
        var team = await Expect.JsonAsync<TeamView>(await owner.Http.PostAsJsonAsync("/api/teams", new { name = "private" }), HttpStatusCode.Created);
        var teamKey = await KeysApiTests.CreateAsync(owner, team.Id);

        var attempts = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, $"/api/keys/{key.Key.Id}", null),
            (HttpMethod.Patch, $"/api/keys/{key.Key.Id}", new { rpm = 1 }),
            (HttpMethod.Post, $"/api/keys/{key.Key.Id}/revoke", null),
            (HttpMethod.Post, $"/api/keys/{key.Key.Id}/rotate", new { }),
            (HttpMethod.Get, $"/api/keys/{teamKey.Key.Id}", null),
            (HttpMethod.Patch, $"/api/keys/{teamKey.Key.Id}", new { rpm = 1 }),
            (HttpMethod.Post, $"/api/keys/{teamKey.Key.Id}/revoke", null),
            (HttpMethod.Post, $"/api/keys/{teamKey.Key.Id}/rotate", new { }),
            (HttpMethod.Get, $"/api/keys?teamId={team.Id}", null),
            (HttpMethod.Post, "/api/keys", new { name = "x", teamId = team.Id }),
            (HttpMethod.Get, $"/api/teams/{team.Id}", null),
            (HttpMethod.Patch, $"/api/teams/{team.Id}", new { name = "mine now" }),
            (HttpMethod.Get, $"/api/teams/{team.Id}/members", null),
            (HttpMethod.Post, $"/api/teams/{team.Id}/members", new { email = stranger.Email }),
            (HttpMethod.Patch, $"/api/teams/{team.Id}/members/{owner.UserId}", new { role = "member" }),
            (HttpMethod.Delete, $"/api/teams/{team.Id}/members/{owner.UserId}", null),
            (HttpMethod.Get, $"/api/billing/balance?teamId={team.Id}", null),
            (HttpMethod.Post, "/api/billing/topups", new { amountUsd = 1m, teamId = team.Id }),
            (HttpMethod.Get, $"/api/billing/payments?teamId={team.Id}", null),
            (HttpMethod.Get, $"/api/billing/adjustments?teamId={team.Id}", null),
            (HttpMethod.Get, $"/api/usage?account={owner.Account}", null),
            (HttpMethod.Get, $"/api/usage?teamId={team.Id}", null),
            (HttpMethod.Get, $"/api/usage/export?account={owner.Account}", null),
            (HttpMethod.Get, $"/api/usage/export?account={team.Account}", null),
            (HttpMethod.Get, $"/api/usage/events?account={owner.Account}", null),
            (HttpMethod.Get, $"/api/usage/events?teamId={team.Id}", null),
        };
        await AssertAllDeniedAsync(stranger, attempts);

        // Nothing changed for the owner.
        Assert.Equal("active", (await owner.Http.GetFromJsonAsync<MassRouter.ControlApi.Keys.KeyView>($"/api/keys/{key.Key.Id}"))!.Status);
        Assert.Equal(1, (await owner.Http.GetFromJsonAsync<JsonPage<TeamMemberView>>($"/api/teams/{team.Id}/members"))!.Total);
    }

    [Fact]
    public async Task EveryAdminEndpoint_IsForbiddenToUsers()
    {
        var user = await fixture.NewUserAsync();
        var attempts = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, "/api/admin/users", null),
            (HttpMethod.Post, $"/api/admin/users/{fixture.Admin.UserId}/suspend", null),
            (HttpMethod.Post, $"/api/admin/users/{user.UserId}/reactivate", null),
            (HttpMethod.Post, $"/api/admin/users/{user.UserId}/role", new { role = "admin" }),
            (HttpMethod.Post, "/api/admin/adjustments", new { account = user.Account, amountNanos = 1_000_000_000, reason = "free money" }),
            (HttpMethod.Get, "/api/admin/reconciliation", null),
            (HttpMethod.Get, "/api/admin/audit", null),
            (HttpMethod.Get, "/api/admin/providers", null),
            (HttpMethod.Get, "/api/admin/providers/1", null),
            (HttpMethod.Post, "/api/admin/providers", new { name = "evil", baseUrl = "http://127.0.0.1:9" }),
            (HttpMethod.Patch, "/api/admin/providers/1", new { baseUrl = "http://127.0.0.1:9" }),
            (HttpMethod.Get, "/api/admin/models", null),
            (HttpMethod.Get, "/api/admin/models/1", null),
            (HttpMethod.Post, "/api/admin/models", new { publicId = "evil", inputPerMillion = 0m, outputPerMillion = 0m }),
            (HttpMethod.Patch, "/api/admin/models/1", new { enabled = false }),
            (HttpMethod.Put, "/api/admin/models/1/routes", Array.Empty<object>()),
            (HttpMethod.Post, "/api/admin/catalog/publish", null),
        };
        foreach (var (method, path, body) in attempts)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            var response = await user.Http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path} answered {(int)response.StatusCode} to a non-admin");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    private static async Task AssertAllDeniedAsync(Session caller, IEnumerable<(HttpMethod Method, string Path, object? Body)> attempts)
    {
        foreach (var (method, path, body) in attempts)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            var response = await caller.Http.SendAsync(request);
            Assert.True(
                response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden,
                $"{method} {path} answered {(int)response.StatusCode} to the wrong user: {await response.Content.ReadAsStringAsync()}");
        }
    }
}

[Collection(PostgresCollection.Name)]
public sealed class WrongUserTests_Postgres(PostgresControlApiFixture fixture) : WrongUserTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class WrongUserTests_Sqlite(SqliteControlApiFixture fixture) : WrongUserTests(fixture);
