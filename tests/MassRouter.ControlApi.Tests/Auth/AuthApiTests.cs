using System.Net.Http.Headers;
using MassRouter.ControlApi.Auth;
using MassRouter.Core.Redis;
using StackExchange.Redis;

namespace MassRouter.ControlApi.Tests.Auth;

public abstract class AuthApiTests(ControlApiFixture fixture)
{
    [Fact]
    public async Task Register_ThenLogin_ShowsProfile_AndCreatesActiveAccountRecord()
    {
        var user = await fixture.NewUserAsync("alice");
        var me = await user.Http.GetFromJsonAsync<UserView>("/api/me");
        Assert.Equal(user.Email, me!.Email);
        Assert.Equal(Roles.User, me.Role);
        Assert.Equal(RecordStatus.Active, (string?)await fixture.RedisDb.HashGetAsync(RedisKeys.Account(user.Account), AccountFields.Status));
        Assert.Equal(0, (long)await fixture.RedisDb.HashGetAsync(RedisKeys.Account(user.Account), AccountFields.BalanceNanos));
    }

    [Fact]
    public async Task Register_DuplicateEmail_IsConflict()
    {
        var user = await fixture.NewUserAsync();
        using var http = fixture.Anonymous();
        var response = await http.PostAsJsonAsync("/api/auth/register", new { email = user.Email.ToUpperInvariant(), password = "another-long-password" });
        await Expect.ProblemAsync(response, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Register_InvalidInput_ReportsEachField()
    {
        using var http = fixture.Anonymous();
        var response = await http.PostAsJsonAsync("/api/auth/register", new { email = "not-an-email", password = "short" });
        await Expect.ValidationProblemAsync(response, "email", "password");
    }

    [Fact]
    public async Task Login_WrongPassword_IsUnauthorized_AndAudited()
    {
        var user = await fixture.NewUserAsync();
        using var http = fixture.Anonymous();
        var response = await http.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = "wrong-password!" });
        await Expect.ProblemAsync(response, HttpStatusCode.Unauthorized);
        var audit = await fixture.Admin.Http.GetFromJsonAsync<JsonPage<Audit.AuditEntry>>($"/api/admin/audit?action=auth.login_failed&target=email:{Uri.EscapeDataString(user.Email)}");
        Assert.Equal(1, audit!.Total);
    }

    [Fact]
    public async Task Login_IsRateLimited_PerAddressAndEmail()
    {
        var user = await fixture.NewUserAsync();
        using var http = fixture.Anonymous();
        for (var i = 1; i < ControlApiFixture.LoginAttempts; i++)
        {
            // The fixture's own login used one attempt already.
            await Expect.StatusAsync(await http.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = "guess-number-" + i }), HttpStatusCode.Unauthorized);
        }

        var limited = await http.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password });
        await Expect.ProblemAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.NotNull(limited.Headers.RetryAfter);

        // Another account from the same address is not affected.
        await fixture.NewUserAsync();
    }

    [Fact]
    public async Task Refresh_RotatesToken_AndReuseOfOldTokenRevokesTheFamily()
    {
        var user = await fixture.NewUserAsync();
        using var http = fixture.Anonymous();
        var first = user.Tokens.RefreshToken;
        var second = await Expect.JsonAsync<TokenResponse>(await http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = first }));
        Assert.NotEqual(first, second.RefreshToken);

        // The retired token comes back (stolen): refused, and the legitimate successor dies with it.
        await Expect.ProblemAsync(await http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = first }), HttpStatusCode.Unauthorized);
        await Expect.ProblemAsync(await http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = second.RefreshToken }), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Logout_RevokesRefreshToken()
    {
        var user = await fixture.NewUserAsync();
        using var http = fixture.Anonymous();
        await Expect.StatusAsync(await http.PostAsJsonAsync("/api/auth/logout", new { refreshToken = user.Tokens.RefreshToken }), HttpStatusCode.NoContent);
        await Expect.ProblemAsync(await http.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = user.Tokens.RefreshToken }), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Profile_Update_ChangesNameAndPassword_OnlyWithCurrentPassword()
    {
        var user = await fixture.NewUserAsync();
        await Expect.ValidationProblemAsync(await user.Http.PatchAsJsonAsync("/api/me", new { newPassword = "a-new-long-password", currentPassword = "wrong" }), "currentPassword");
        var updated = await Expect.JsonAsync<UserView>(await user.Http.PatchAsJsonAsync("/api/me", new { displayName = "Renamed", newPassword = "a-new-long-password", currentPassword = user.Password }));
        Assert.Equal("Renamed", updated.DisplayName);
        await fixture.LoginAsync(user.Email, "a-new-long-password");
    }

    [Fact]
    public async Task MissingOrInvalidToken_IsUnauthorized()
    {
        using var http = fixture.Anonymous();
        await Expect.ProblemAsync(await http.GetAsync("/api/me"), HttpStatusCode.Unauthorized);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "eyJhbGciOiJIUzI1NiJ9.e30.invalid");
        await Expect.ProblemAsync(await http.GetAsync("/api/me"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AdminSuspend_MarksAccountSuspendedInRedis_AnnouncesIt_AndLocksTheUserOut()
    {
        var user = await fixture.NewUserAsync();
        var messages = await SubscribeAsync();
        await Expect.StatusAsync(await fixture.Admin.Http.PostAsync($"/api/admin/users/{user.UserId}/suspend", null), HttpStatusCode.OK);

        Assert.Equal(RecordStatus.Suspended, (string?)await fixture.RedisDb.HashGetAsync(RedisKeys.Account(user.Account), AccountFields.Status));
        Assert.Equal(RedisKeys.AccountChanged(user.Account), await messages.ReadAsync(RedisKeys.AccountChanged(user.Account)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await user.Http.GetAsync("/api/me")).StatusCode);
        using var http = fixture.Anonymous();
        await Expect.ProblemAsync(await http.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password }), HttpStatusCode.Forbidden);

        await Expect.StatusAsync(await fixture.Admin.Http.PostAsync($"/api/admin/users/{user.UserId}/reactivate", null), HttpStatusCode.OK);
        Assert.Equal(RecordStatus.Active, (string?)await fixture.RedisDb.HashGetAsync(RedisKeys.Account(user.Account), AccountFields.Status));
        await fixture.LoginAsync(user.Email, user.Password);
    }

    [Fact]
    public async Task AdminGrantsAdminRole_AndOldTokensStopCarryingTheOldRole()
    {
        var user = await fixture.NewUserAsync();
        await Expect.ProblemAsync(await user.Http.GetAsync("/api/admin/users"), HttpStatusCode.Forbidden);
        await Expect.ValidationProblemAsync(await fixture.Admin.Http.PostAsJsonAsync($"/api/admin/users/{user.UserId}/role", new { role = "root" }), "role");
        var promoted = await Expect.JsonAsync<UserView>(await fixture.Admin.Http.PostAsJsonAsync($"/api/admin/users/{user.UserId}/role", new { role = "admin" }));
        Assert.Equal(Roles.Admin, promoted.Role);

        // The token issued with the old role no longer works; a fresh login carries the new role.
        Assert.Equal(HttpStatusCode.Unauthorized, (await user.Http.GetAsync("/api/me")).StatusCode);
        var again = await fixture.LoginAsync(user.Email, user.Password);
        await Expect.StatusAsync(await again.Http.GetAsync("/api/admin/users"), HttpStatusCode.OK);
        await Expect.ProblemAsync(await again.Http.PostAsJsonAsync($"/api/admin/users/{again.UserId}/role", new { role = "user" }), HttpStatusCode.Conflict);
        await Expect.StatusAsync(await fixture.Admin.Http.PostAsJsonAsync($"/api/admin/users/{user.UserId}/role", new { role = "user" }), HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.Unauthorized, (await again.Http.GetAsync("/api/admin/users")).StatusCode);
    }

    [Fact]
    public async Task AdminUserList_IsPaged()
    {
        await fixture.NewUserAsync();
        await fixture.NewUserAsync();
        var page = await fixture.Admin.Http.GetFromJsonAsync<JsonPage<UserView>>("/api/admin/users?page=1&pageSize=2");
        Assert.Equal(2, page!.Items.Count);
        Assert.True(page.Total >= 3);
        var last = await fixture.Admin.Http.GetFromJsonAsync<JsonPage<UserView>>($"/api/admin/users?page={page.Total}&pageSize=1");
        Assert.Single(last!.Items);
    }

    private async Task<EventsSubscription> SubscribeAsync() => await EventsSubscription.StartAsync(fixture.Redis.Connection);
}

[Collection(PostgresCollection.Name)]
public sealed class AuthApiTests_Postgres(PostgresControlApiFixture fixture) : AuthApiTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class AuthApiTests_Sqlite(SqliteControlApiFixture fixture) : AuthApiTests(fixture);
