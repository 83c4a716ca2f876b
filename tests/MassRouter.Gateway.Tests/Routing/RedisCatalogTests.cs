using System.Security.Cryptography;
using System.Text.Json;
using MassRouter.Core.Catalog;
using MassRouter.Core.Money;
using MassRouter.Core.Redis;
using MassRouter.Core.Security;
using MassRouter.Core.Usage;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Tests.Metering;
using StackExchange.Redis;

namespace MassRouter.Gateway.Tests.Routing;

/// <summary>The control plane's catalog in <c>mr:catalog</c>, merged over the configured one and reloaded on <c>catalog</c>.</summary>
public class RedisCatalogTests
{
    private const string Upstream = "sk-catalog-upstream";

    [Fact]
    public async Task CatalogFromRedis_WinsOnIds_KeepsConfiguredModels_AndFollowsInvalidations()
    {
        var credentialKey = RandomNumberGenerator.GetBytes(32);
        await using var app = await GatewayHost.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning",
            "--MassRouter:Embedded:ControlApi=false", "--MassRouter:ApiKeys:0:Key=sk-configured",
            "--MassRouter:CredentialKey=" + Convert.ToBase64String(credentialKey),
            "--MassRouter:Providers:configured:BaseUrl=http://127.0.0.1:9/v1",
            "--MassRouter:Models:0:Id=shared", "--MassRouter:Models:0:Deployments:0:Provider=configured",
            "--MassRouter:Models:1:Id=configured-only", "--MassRouter:Models:1:Deployments:0:Provider=configured",
            "--MassRouter:Metering:Prices:shared:InputPerMillion=1", "--MassRouter:Metering:Prices:shared:OutputPerMillion=1",
        ]);
        await app.StartAsync();
        var catalog = app.Services.GetRequiredService<ModelCatalog>();
        var prices = app.Services.GetRequiredService<PriceTable>();
        var db = app.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var sealer = new CredentialSealer(credentialKey);

        await PublishAsync(db, new CatalogDocument
        {
            Version = 1,
            Providers =
            [
                new CatalogProvider { Name = "control", Kind = "openai", BaseUrl = "http://127.0.0.1:9/v1", Credential = sealer.Seal(Upstream) },
                // Sealed under another key: left out, and so is the model only it serves.
                new CatalogProvider { Name = "foreign", Kind = "openai", BaseUrl = "http://127.0.0.1:9/v1", Credential = new CredentialSealer(RandomNumberGenerator.GetBytes(32)).Seal("x") },
            ],
            Models =
            [
                new CatalogModel { Id = "shared", InputPerMillion = "3", OutputPerMillion = "4.5", Deployments = [new CatalogDeployment("control", "upstream-model")] },
                new CatalogModel { Id = "foreign-only", InputPerMillion = "1", OutputPerMillion = "1", Deployments = [new CatalogDeployment("foreign", "m")] },
            ],
        });
        await KeyTests.AssertEventuallyAsync(() => Task.FromResult(catalog.TryGet("shared", out var r) && r.Deployments[0].Provider.Name == "control"), 1000);

        Assert.True(catalog.TryGet("shared", out var shared));
        var deployment = Assert.Single(shared.Deployments);
        Assert.Equal("upstream-model", deployment.UpstreamModel);
        Assert.Equal(Upstream, deployment.Provider.Credential);
        Assert.Equal(new ModelPrice(3m, 4.5m), prices.For("shared"));
        Assert.True(catalog.TryGet("configured-only", out _));
        Assert.False(catalog.TryGet("foreign-only", out _));
        Assert.Equal(["configured-only", "shared"], catalog.Models.Select(m => m.Id));

        // The control plane drops the model: the configured one (and its price) serves again.
        await PublishAsync(db, new CatalogDocument { Version = 2, Providers = [], Models = [] });
        await KeyTests.AssertEventuallyAsync(() => Task.FromResult(catalog.TryGet("shared", out var r) && r.Deployments[0].Provider.Name == "configured"), 1000);
        Assert.Equal(new ModelPrice(1m, 1m), prices.For("shared"));
        await app.StopAsync();
    }

    private static async Task PublishAsync(IDatabase db, CatalogDocument document)
    {
        await db.StringSetAsync(RedisKeys.Catalog, JsonSerializer.Serialize(document, CoreJson.Default.CatalogDocument));
        await db.PublishAsync(RedisChannel.Literal(RedisKeys.EventsChannel), RedisKeys.CatalogChanged);
    }
}
