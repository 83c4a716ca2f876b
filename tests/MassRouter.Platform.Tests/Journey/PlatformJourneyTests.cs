using System.Security.Cryptography;
using MassRouter.ControlApi;
using MassRouter.Core.Money;
using MassRouter.Gateway;
using MassRouter.Gateway.Metering;
using Microsoft.Extensions.Options;

namespace MassRouter.Platform.Tests.Journey;

/// <summary>The user's journey through control API and gateway, on both deployments the README documents.</summary>
public class PlatformJourneyTests
{
    // Fast password hashing: the journey is about money, not the KDF's cost.
    private const string FastPasswords = "--ControlApi:Auth:PasswordIterations=1000";

    [Fact]
    public async Task EmbeddedDefault_OneProcess_ChargesTheLedgerToTheNanoDollar()
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "mr-platform-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Nothing configured but where the data goes: the README's `dotnet run --project src/Gateway`.
            await using var app = await GatewayHost.BuildAsync(
                ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", "--MassRouter:Embedded:DataPath=" + dataPath, FastPasswords]);

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

            await Journey.RunAsync(address, address, new ModelPrice(configured.InputPerMillion, configured.OutputPerMillion, configured.CachedInputPerMillion));

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
        var price = new ModelPrice(1.25m, 3.5m, 0.5m);

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

        var gatewayAddress = new Uri(gateway.Urls.First());
        using (var http = new HttpClient())
        {
            // The gateway alone serves no control API.
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri(gatewayAddress, "api/models"))).StatusCode);
        }

        await Journey.RunAsync(new Uri(controlApi.Urls.First()), gatewayAddress, price);
        await gateway.StopAsync();
        await controlApi.StopAsync();
    }
}
