using MassRouter.Core.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace MassRouter.ControlApi.Tests.Hosting;

/// <summary>A dashboard on its own origin calls the control API from a browser only when its origin is configured.</summary>
[Collection(SqliteCollection.Name)]
public sealed class BrowserAccessTests(SqliteControlApiFixture fixture) : IDisposable
{
    private const string Dashboard = "https://admin.example.com";

    private readonly string _directory = Directory.CreateTempSubdirectory("mr-cors-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ConfiguredOrigins_GetPreflightsAnswered_AndMayReadAnswers_ErrorsIncluded()
    {
        await using var app = await StartAsync(Dashboard, "https://*.apps.example.com");
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        foreach (var origin in new[] { Dashboard, "https://team.apps.example.com" })
        {
            using var preflight = await http.SendAsync(Preflight("/api/auth/login", origin));
            Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
            Assert.Equal(origin, Header(preflight, "Access-Control-Allow-Origin"));
            Assert.Contains("POST", Header(preflight, "Access-Control-Allow-Methods"), StringComparison.Ordinal);
            Assert.Contains("authorization", Header(preflight, "Access-Control-Allow-Headers"), StringComparison.OrdinalIgnoreCase);
            Assert.Equal("7200", Header(preflight, "Access-Control-Max-Age"));
            Assert.False(preflight.Headers.Contains("Access-Control-Allow-Credentials"));
        }

        // A failed login (a problem response) is readable by the page, so it can say why.
        using var login = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login")
        {
            Content = JsonContent.Create(new { email = "nobody@example.com", password = "wrong-password" }),
        };
        login.Headers.Add("Origin", Dashboard);
        using var refused = await http.SendAsync(login);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(Dashboard, Header(refused, "Access-Control-Allow-Origin"));
        Assert.Equal("*", Header(refused, "Access-Control-Expose-Headers"));

        foreach (var stranger in new[] { "https://evil.example.net", "https://apps.example.com.evil.net", "http://admin.example.com" })
        {
            using var preflight = await http.SendAsync(Preflight("/api/auth/login", stranger));
            Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"), stranger);
        }
    }

    [Fact]
    public async Task NoOriginConfigured_AddsNothing()
    {
        await using var app = await StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        using var preflight = await http.SendAsync(Preflight("/api/auth/login", Dashboard));
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.NotEqual(HttpStatusCode.NoContent, preflight.StatusCode);
    }

    [Theory]
    [InlineData("https://admin.example.com/")]
    [InlineData("admin.example.com")]
    [InlineData("https://admin.*.com")]
    public async Task InvalidOrigin_StopsStartUp_NamingTheSetting(string origin)
    {
        await using var app = await ControlApiHost.BuildAsync(["--urls", "http://127.0.0.1:0", "--environment", "Production"], builder =>
            builder.Configuration.AddInMemoryCollection(Settings(origin)));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains(BrowserOrigins.Invalid("ControlApi:CorsOrigins", origin), error.Message, StringComparison.Ordinal);
    }

    private async Task<WebApplication> StartAsync(params string[] origins)
    {
        var app = await ControlApiHost.BuildAsync(["--urls", "http://127.0.0.1:0", "--environment", "Production", "--Logging:LogLevel:Default=Error"], builder =>
            builder.Configuration.AddInMemoryCollection(Settings(origins)));
        await app.StartAsync();
        return app;
    }

    private Dictionary<string, string?> Settings(params string[] origins)
    {
        // A database and Redis database of their own, so these hosts' start-up work does not touch the fixture's data.
        var database = Path.Combine(_directory, $"{Guid.NewGuid():N}.db");
        var settings = ControlApiFixture.Settings("sqlite", "Data Source=" + database, fixture.Redis.Configuration + ",defaultDatabase=4", fixture.CredentialKey);
        for (var i = 0; i < origins.Length; i++)
        {
            settings[$"ControlApi:CorsOrigins:{i}"] = origins[i];
        }

        return settings;
    }

    private static HttpRequestMessage Preflight(string path, string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization, content-type");
        return request;
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : $"<no {name}>";
}
