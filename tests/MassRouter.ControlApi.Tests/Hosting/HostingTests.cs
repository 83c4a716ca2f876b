using System.Text.Json;
using MassRouter.Core.Redis;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace MassRouter.ControlApi.Tests.Hosting;

[Collection(SqliteCollection.Name)]
public sealed class HostingTests(SqliteControlApiFixture fixture)
{
    [Fact]
    public async Task OpenApiDocument_AndReferencePage_AreServed()
    {
        using var http = fixture.Anonymous();
        using var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");
        foreach (var path in new[] { "/api/auth/login", "/api/keys", "/api/keys/{id}/rotate", "/api/admin/reconciliation", "/api/usage/export", "/api/models" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is missing from the OpenAPI document");
        }

        Assert.True(document.RootElement.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("Bearer", out _));
        Assert.Equal("MassRouter control API", document.RootElement.GetProperty("info").GetProperty("title").GetString());
        var page = await http.GetAsync("/scalar/v1");
        await Expect.StatusAsync(page, HttpStatusCode.OK);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task MetricsAndHealth_AreServed()
    {
        using var http = fixture.Anonymous();
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("massrouter_outbox_depth", metrics, StringComparison.Ordinal);
        Assert.Contains("massrouter_ledger_lag_seconds", metrics, StringComparison.Ordinal);
        Assert.Equal("ok", await http.GetStringAsync("/healthz"));
        await Expect.StatusAsync(await http.GetAsync("/readyz"), HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/metrics")]
    public async Task MetricsAndHealth_AnswerHead_AndRefuseOtherMethods(string path)
    {
        using var http = fixture.Anonymous();
        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        await Expect.StatusAsync(head, HttpStatusCode.OK);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());

        using var post = await http.PostAsync(path, null);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal(["GET", "HEAD"], post.Content.Headers.Allow);
    }

    [Fact]
    public async Task UnknownResource_IsProblemDetails()
    {
        await Expect.ProblemAsync(await fixture.Admin.Http.GetAsync("/api/keys/999999999"), HttpStatusCode.NotFound);
        await Expect.ProblemAsync(await fixture.Admin.Http.GetAsync("/api/admin/models/999999999"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task RoutingMisses_AreProblemDetails_SayingWhatWasWrong()
    {
        var http = fixture.Admin.Http;
        using var unknown = await http.GetAsync("/api/nothing-here");
        await Expect.ProblemAsync(unknown, HttpStatusCode.NotFound);
        Assert.Equal("The control API has no endpoint at GET /api/nothing-here.", await DetailAsync(unknown));

        using var put = await http.PutAsync("/api/keys", null);
        await Expect.ProblemAsync(put, HttpStatusCode.MethodNotAllowed);
        Assert.Equal(["GET", "POST"], put.Content.Headers.Allow.Order(StringComparer.Ordinal));
        Assert.Equal($"Method PUT is not allowed on /api/keys; use {string.Join(", ", put.Content.Headers.Allow)}.", await DetailAsync(put));

        // An endpoint's own 404 keeps its own words.
        using var missing = await http.GetAsync("/api/keys/999999999");
        Assert.DoesNotContain("no endpoint", await DetailAsync(missing), StringComparison.Ordinal);
    }

    private static async Task<string?> DetailAsync(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() : null;
    }

    [Fact]
    public async Task MalformedJsonBody_IsBadRequestProblem()
    {
        using var content = new StringContent("{\"name\": ", System.Text.Encoding.UTF8, "application/json");
        await Expect.ProblemAsync(await fixture.Admin.Http.PostAsync("/api/keys", content), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task MissingSettings_FailStartup_NamingTheSetting()
    {
        await using var app = await ControlApiHost.BuildAsync(["--urls", "http://127.0.0.1:0", "--environment", "Production"], builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ControlApi:Database:Provider"] = "mysql", ["ControlApi:PendingPaymentGrace"] = "00:00:00" }));
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("ControlApi:Database:Provider", error.Message, StringComparison.Ordinal);
        Assert.Contains("ControlApi:Redis", error.Message, StringComparison.Ordinal);
        Assert.Contains("ControlApi:Jwt:SigningKey", error.Message, StringComparison.Ordinal);
        Assert.Contains("ControlApi:PendingPaymentGrace", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeedData_IsCreatedInDevelopmentOnly_AndMountsUnderAPrefix()
    {
        var directory = Path.Combine(Path.GetTempPath(), "mr-seed-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            // A separate Redis database, so the seeded catalog and accounts do not mix with the fixture's.
            var redis = fixture.Redis.Configuration + ",defaultDatabase=3";
            var settings = ControlApiFixture.Settings("sqlite", "Data Source=" + Path.Combine(directory, "dev.db"), redis, fixture.CredentialKey);
            settings.Remove("ControlApi:BootstrapAdmin:Email");
            settings.Remove("ControlApi:BootstrapAdmin:Password");

            // Production first: nothing seeded, and the API also works mounted under a prefix of another host.
            var builder = WebApplication.CreateBuilder(["--environment", "Production", "--urls", "http://127.0.0.1:0"]);
            builder.Configuration.AddInMemoryCollection(settings);
            builder.AddControlApi();
            await using (var production = builder.Build())
            {
                production.MapControlApi("/control");
                await production.StartAsync();
                using var http = new HttpClient { BaseAddress = new Uri(production.Urls.First()) };
                var login = await http.PostAsJsonAsync("/control/api/auth/login", new { email = "admin@massrouter.local", password = "admin-password" });
                await Expect.ProblemAsync(login, HttpStatusCode.Unauthorized);
                Assert.Equal(0, (await http.GetFromJsonAsync<JsonPage<JsonElement>>("/control/api/models"))!.Total);
                await production.StopAsync();
            }

            await using var development = await ControlApiHost.BuildAsync(["--urls", "http://127.0.0.1:0", "--environment", "Development", "--Logging:LogLevel:Default=Error"], b =>
                b.Configuration.AddInMemoryCollection(settings));
            await development.StartAsync();
            using (var http = new HttpClient { BaseAddress = new Uri(development.Urls.First()) })
            {
                await Expect.StatusAsync(await http.PostAsJsonAsync("/api/auth/login", new { email = "admin@massrouter.local", password = "admin-password" }), HttpStatusCode.OK);
                await Expect.StatusAsync(await http.PostAsJsonAsync("/api/auth/login", new { email = "alice@example.com", password = "user-password" }), HttpStatusCode.OK);
                var models = await http.GetStringAsync("/api/models");
                Assert.Contains("sim/openai", models, StringComparison.Ordinal);
                Assert.Contains("sim/embedding", models, StringComparison.Ordinal);
            }

            var db = fixture.Redis.Connection.GetDatabase(3);
            Assert.Contains("\"sim/openai\"", (string?)await db.StringGetAsync(RedisKeys.Catalog), StringComparison.Ordinal);
            await development.StopAsync();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Login_IsAlsoLimitedPerAddress_AcrossEmails()
    {
        var directory = Path.Combine(Path.GetTempPath(), "mr-limit-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            var settings = ControlApiFixture.Settings("sqlite", "Data Source=" + Path.Combine(directory, "limit.db"), fixture.Redis.Configuration + ",defaultDatabase=4", fixture.CredentialKey);
            settings["ControlApi:Auth:LoginAttemptsPerAddress"] = "3";
            await using var app = await ControlApiHost.BuildAsync(["--urls", "http://127.0.0.1:0", "--environment", "Testing"], b => b.Configuration.AddInMemoryCollection(settings));
            await app.StartAsync();
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            for (var i = 0; i < 3; i++)
            {
                await Expect.ProblemAsync(await http.PostAsJsonAsync("/api/auth/login", new { email = $"victim{i}@test.local", password = "guess-guess-guess" }), HttpStatusCode.Unauthorized);
            }

            await Expect.ProblemAsync(await http.PostAsJsonAsync("/api/auth/login", new { email = "victim9@test.local", password = "guess-guess-guess" }), HttpStatusCode.TooManyRequests);
            await app.StopAsync();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
