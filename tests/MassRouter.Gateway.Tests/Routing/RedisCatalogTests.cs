using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using MassRouter.Core.Catalog;
using MassRouter.Core.Money;
using MassRouter.Core.Redis;
using MassRouter.Core.Security;
using MassRouter.Core.Usage;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Tests.Infrastructure;
using MassRouter.Gateway.Tests.Metering;
using MassRouter.Simulator;
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

    [Fact]
    public async Task ProviderAndModelSettings_FromTheCatalog_ShapeTheRequests()
    {
        await using var simulator = SimulatorHost.Build(new SimulatorOptions { FixturesPath = GatewayFixture.FixturesPath }, "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning");
        await simulator.StartAsync();
        var simV1 = new Uri(SimulatorHost.GetAddress(simulator), "v1").ToString();
        await using var app = await GatewayHost.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning",
            "--MassRouter:Embedded:ControlApi=false", "--MassRouter:ApiKeys:0:Key=" + GatewayFixture.Key,
            "--MassRouter:Providers:configured:BaseUrl=" + simV1,
            "--MassRouter:Models:0:Id=configured-only", "--MassRouter:Models:0:Deployments:0:Provider=configured",
        ]);
        await app.StartAsync();
        var catalog = app.Services.GetRequiredService<ModelCatalog>();
        var db = app.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

        // The first deployment's headers make the simulator hold its first token for 5 s; the model's first-token
        // timeout (300 ms) moves the request on to the second deployment. Without either setting "stalling" answers.
        var stalling = new CatalogProvider
        {
            Name = "stalling", Kind = "openai", BaseUrl = simV1, ActivityTimeoutMs = 60_000, ConnectTimeoutMs = 2_000,
            Headers = new Dictionary<string, string> { ["x-sim-ttft-ms"] = "5000", ["x-sim-tokens"] = "3" },
        };
        var prompt = new CatalogProvider { Name = "prompt", Kind = "openai", BaseUrl = simV1, Headers = new Dictionary<string, string> { ["x-sim-ttft-ms"] = "0", ["x-sim-itl-ms"] = "0" } };

        // Out of range or a credential header (a hand-written document): ignored, the defaults apply.
        var odd = new CatalogProvider
        {
            Name = "odd", Kind = "openai", BaseUrl = simV1, ActivityTimeoutMs = -5, WarmConnections = 0,
            Headers = new Dictionary<string, string> { ["Authorization"] = "Bearer stolen", ["x-ok"] = "1" },
        };
        var fallback = new CatalogModel
        {
            Id = "catalog/fallback", FirstTokenTimeoutMs = 300, TotalTimeoutMs = 30_000, LoadBalancing = "least-latency",
            Deployments = [new CatalogDeployment("stalling", "m"), new CatalogDeployment("prompt", "m")],
        };
        var oddModel = new CatalogModel { Id = "catalog/odd", FirstTokenTimeoutMs = 0, LoadBalancing = "random", Deployments = [new CatalogDeployment("odd", "m")] };
        await PublishAsync(db, new CatalogDocument { Version = 1, Providers = [stalling, prompt, odd], Models = [fallback, oddModel] });
        await KeyTests.AssertEventuallyAsync(() => Task.FromResult(catalog.TryGet("catalog/fallback", out _)), 1000);

        Assert.True(catalog.TryGet("catalog/fallback", out var route));
        Assert.True(route.LeastLatency);
        Assert.Equal(TimeSpan.FromSeconds(30), route.TotalTimeout);
        Assert.All(route.Deployments, d => Assert.Equal(TimeSpan.FromMilliseconds(300), d.FirstTokenTimeout));
        var stallingEndpoint = route.Deployments[0].Provider;
        Assert.Equal(TimeSpan.FromMinutes(1), stallingEndpoint.ActivityTimeout);
        Assert.Equal(TimeSpan.FromMinutes(1), stallingEndpoint.RequestConfig.ActivityTimeout);
        Assert.True(catalog.TryGet("catalog/odd", out var oddRoute));
        Assert.False(oddRoute.LeastLatency);
        Assert.Equal(TimeSpan.FromMinutes(10), oddRoute.Deployments[0].FirstTokenTimeout);
        Assert.Equal(TimeSpan.FromMinutes(10), oddRoute.Deployments[0].Provider.ActivityTimeout);
        Assert.Equal([("x-ok", "1")], oddRoute.Deployments[0].Provider.ExtraHeaders);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(app.Urls.First()), "/v1/chat/completions"))
        {
            Content = new StringContent("""{"model":"catalog/fallback","stream":true,"messages":[{"role":"user","content":"hi"}]}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", GatewayFixture.Key);
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("prompt", response.Headers.GetValues("x-massrouter-provider").Single());
        Assert.EndsWith("data: [DONE]", (await response.Content.ReadAsStringAsync()).TrimEnd(), StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(4), $"took {started.Elapsed}");

        // A changed setting rebuilds the provider's endpoint (and its pools); an unchanged provider keeps its own.
        var promptEndpoint = route.Deployments[1].Provider;
        await PublishAsync(db, new CatalogDocument { Version = 2, Providers = [stalling with { ActivityTimeoutMs = 120_000 }, prompt, odd], Models = [fallback, oddModel] });
        await KeyTests.AssertEventuallyAsync(
            () => Task.FromResult(catalog.TryGet("catalog/fallback", out var r) && r.Deployments[0].Provider.ActivityTimeout == TimeSpan.FromMinutes(2)), 1000);
        Assert.True(catalog.TryGet("catalog/fallback", out var reloaded));
        Assert.NotSame(stallingEndpoint, reloaded.Deployments[0].Provider);
        Assert.Same(promptEndpoint, reloaded.Deployments[1].Provider);
        await app.StopAsync();
    }

    private static async Task PublishAsync(IDatabase db, CatalogDocument document)
    {
        await db.StringSetAsync(RedisKeys.Catalog, JsonSerializer.Serialize(document, CoreJson.Default.CatalogDocument));
        await db.PublishAsync(RedisChannel.Literal(RedisKeys.EventsChannel), RedisKeys.CatalogChanged);
    }
}
