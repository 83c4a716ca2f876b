using System.Security.Cryptography;
using MassRouter.ControlApi;
using MassRouter.ControlApi.Auth;
using MassRouter.ControlApi.Catalog;
using MassRouter.Core.Money;
using MassRouter.Gateway;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Routing;
using Microsoft.Extensions.Options;

namespace MassRouter.Platform.Tests.Journey;

/// <summary>The user's journey through control API and gateway, on both deployments the README documents.</summary>
public class PlatformJourneyTests
{
    // Fast password hashing: the journey is about money, not the KDF's cost.
    private const string FastPasswords = "--ControlApi:Auth:PasswordIterations=1000";
    private const string AdminEmail = "admin@platform.test";
    private const string AdminPassword = "admin-password-for-tests";
    private const string UpstreamSecret = "sk-upstream-secret";
    private const string CatalogModel = "platform/chat";
    private const string Dashboard = "https://admin.example.com";

    [Fact]
    public async Task EmbeddedDefault_OneProcess_ChargesTheLedgerToTheNanoDollar()
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "mr-platform-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Nothing configured but where the data goes: the README's `dotnet run --project src/Gateway`.
            await using var app = await GatewayHost.BuildAsync(
                ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", "--MassRouter:Embedded:DataPath=" + dataPath, FastPasswords, "--ControlApi:CorsOrigins:0=" + Dashboard]);

            // Runs after whatever authentication the host put in front of the endpoints: the gateway's hot path must
            // not pay for the control API's.
            var authenticated = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
            app.Use((context, next) =>
            {
                var area = context.Request.Path.StartsWithSegments("/v1") ? "gateway" : context.Request.Path.StartsWithSegments("/api") ? "control" : "other";
                authenticated[area] = authenticated.GetValueOrDefault(area) || context.Features.Get<Microsoft.AspNetCore.Authentication.IAuthenticateResultFeature>() is not null
                    || context.Features.Get<Microsoft.AspNetCore.Authentication.IAuthenticationFeature>() is not null;
                return next(context);
            });
            await app.StartAsync();
            var address = new Uri(app.Urls.First());
            var configured = app.Services.GetRequiredService<IOptions<MeteringOptions>>().Value.Prices["sim/openai"];

            await Journey.RunAsync(address, address, "sim/openai", new ModelPrice(configured.InputPerMillion, configured.OutputPerMillion, configured.CachedInputPerMillion));

            // A dashboard on its configured origin may call the embedded control API from a browser.
            using (var http = new HttpClient())
            {
                using var preflight = new HttpRequestMessage(HttpMethod.Options, new Uri(address, "api/auth/login"));
                preflight.Headers.Add("Origin", Dashboard);
                preflight.Headers.Add("Access-Control-Request-Method", "POST");
                using var answer = await http.SendAsync(preflight);
                Assert.Equal(System.Net.HttpStatusCode.NoContent, answer.StatusCode);
                Assert.Equal(Dashboard, answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
            }

            Assert.False(authenticated["gateway"], "Gateway requests went through authentication.");
            Assert.True(authenticated["control"], "Control API requests must be authenticated.");
            Assert.True(File.Exists(Path.Combine(dataPath, "massrouter.db")), "The embedded default keeps its SQLite database in the data directory.");
            await app.StopAsync();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataPath, recursive: true);
        }
    }

    [Fact]
    public async Task Production_SeparateServices_OnPostgresAndRedis_ChargeTheLedgerToTheNanoDollar()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var postgres = await PostgresServer.StartAsync();
        var database = await postgres.CreateDatabaseAsync("massrouter");
        var credentialKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var configuredPrice = new ModelPrice(1.25m, 3.5m, 0.5m);

        // Configured as production is, by settings alone: no shared process, no embedded Garnet, no SQLite.
        await using var controlApi = await ControlApiHost.BuildAsync(
            ["--urls", "http://127.0.0.1:0", "--environment", "Production", "--Logging:LogLevel:Default=Warning", FastPasswords],
            builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ControlApi:Database:Provider"] = "postgres",
                ["ControlApi:Database:ConnectionString"] = database,
                ["ControlApi:Redis"] = redis.Configuration,
                ["ControlApi:Jwt:SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["ControlApi:Ledger:PollInterval"] = "00:00:00.050",
                ["ControlApi:BootstrapAdmin:Email"] = AdminEmail,
                ["ControlApi:BootstrapAdmin:Password"] = AdminPassword,
                ["MassRouter:CredentialKey"] = credentialKey,
            }));
        await using var gateway = await GatewayHost.BuildAsync(
            ["--urls", "http://127.0.0.1:0", "--environment", "Production", "--Logging:LogLevel:Default=Warning"],
            builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["MassRouter:Redis"] = redis.Configuration,
                ["MassRouter:CredentialKey"] = credentialKey,
                ["MassRouter:Embedded:ControlApi"] = "false",
                ["MassRouter:Embedded:Simulator"] = "true",
                ["MassRouter:ApiKeys:0:Key"] = "sk-unused-configured-key",
                ["MassRouter:Metering:Prices:sim/openai:InputPerMillion"] = "1.25",
                ["MassRouter:Metering:Prices:sim/openai:OutputPerMillion"] = "3.5",
                ["MassRouter:Metering:Prices:sim/openai:CachedInputPerMillion"] = "0.5",
            }));
        await controlApi.StartAsync();
        await gateway.StartAsync();
        var controlAddress = new Uri(controlApi.Urls.First());
        var gatewayAddress = new Uri(gateway.Urls.First());
        using (var http = new HttpClient())
        {
            // The gateway alone serves no control API.
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(gatewayAddress, "api/models"))).StatusCode);
        }

        // A configured model, billed at its configured price.
        await Journey.RunAsync(controlAddress, gatewayAddress, "sim/openai", configuredPrice);

        // A model the control plane adds reaches the gateway within a second (mr:catalog and its invalidation), next to
        // the configured ones, with its sealed credential opened and billed at the catalog's price.
        using var admin = new HttpClient { BaseAddress = controlAddress };
        var tokens = await Expect.JsonAsync<TokenResponse>(await admin.PostAsJsonAsync("/api/auth/login", new { email = AdminEmail, password = AdminPassword }));
        admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        await Expect.StatusAsync(
            await admin.PostAsJsonAsync("/api/admin/providers", new CreateProviderRequest("upstream", "openai", null, gateway.Configuration["MassRouter:Providers:sim:BaseUrl"], null, UpstreamSecret, true)),
            HttpStatusCode.Created);
        var model = await Expect.JsonAsync<ModelView>(
            await admin.PostAsJsonAsync("/api/admin/models", new ModelRequest(CatalogModel, "Platform chat", 8192, 2m, 8m, null, true)), HttpStatusCode.Created);
        await Expect.StatusAsync(await admin.PutAsJsonAsync($"/api/admin/models/{model.Id}/routes", new[] { new RouteView("upstream", "sim-gpt", 1) }), HttpStatusCode.OK);

        var catalog = gateway.Services.GetRequiredService<ModelCatalog>();
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
        {
            while (!catalog.TryGet(CatalogModel, out _))
            {
                Assert.False(deadline.IsCancellationRequested, "The control plane's model did not reach the gateway within a second.");
                await Task.Delay(20, CancellationToken.None);
            }
        }

        Assert.True(catalog.TryGet(CatalogModel, out var route));
        Assert.Equal(UpstreamSecret, Assert.Single(route.Deployments).Provider.Credential);
        Assert.True(catalog.TryGet("sim/openai", out _), "The configured catalog stays next to the control plane's.");
        await Journey.RunAsync(controlAddress, gatewayAddress, CatalogModel, new ModelPrice(2m, 8m));

        await gateway.StopAsync();
        await controlApi.StopAsync();
    }
}
