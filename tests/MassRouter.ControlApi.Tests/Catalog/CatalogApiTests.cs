using System.Text.Json;
using Dapper;
using MassRouter.ControlApi.Catalog;
using MassRouter.ControlApi.Storage;
using MassRouter.Core.Catalog;
using MassRouter.Core.Redis;
using MassRouter.Core.Security;
using MassRouter.Core.Usage;
using Microsoft.Extensions.Configuration;

namespace MassRouter.ControlApi.Tests.Catalog;

public abstract class CatalogApiTests(ControlApiFixture fixture)
{
    [Fact]
    public async Task Provider_CredentialIsEncryptedAtRest_NeverReturned_AndSealedInCatalog()
    {
        var name = "p" + Guid.NewGuid().ToString("N")[..8];
        const string Secret = "sk-upstream-very-secret";
        var events = await EventsSubscription.StartAsync(fixture.Redis.Connection);
        var response = await fixture.Admin.Http.PostAsJsonAsync("/api/admin/providers", new { name, kind = "openai", baseUrl = "https://api.example.com/v1", credential = Secret });
        var body = await response.Content.ReadAsStringAsync();
        await Expect.StatusAsync(response, HttpStatusCode.Created);
        Assert.DoesNotContain(Secret, body, StringComparison.Ordinal);
        var provider = JsonSerializer.Deserialize<ProviderView>(body, JsonSerializerOptions.Web)!;
        Assert.True(provider.HasCredential);
        await events.ReadAsync(RedisKeys.CatalogChanged);

        await using (var connection = await fixture.Get<Database>().OpenAsync())
        {
            var stored = await connection.ExecuteScalarAsync<string>("SELECT credential_protected FROM providers WHERE id = @Id", new { provider.Id });
            Assert.NotNull(stored);
            Assert.DoesNotContain(Secret, stored, StringComparison.Ordinal);

            // Nor does the key that protects it sit beside it in clear: the key ring in the database is encrypted.
            var ring = (await connection.QueryAsync<string>("SELECT xml FROM data_protection_keys")).ToList();
            Assert.NotEmpty(ring);
            Assert.All(ring, key =>
            {
                Assert.Contains("encryptedSecret", key, StringComparison.Ordinal);
                Assert.DoesNotContain("<value>", key, StringComparison.Ordinal);
            });
        }

        Assert.DoesNotContain(Secret, await fixture.Admin.Http.GetStringAsync("/api/admin/providers?pageSize=200"), StringComparison.Ordinal);
        var json = (string?)await fixture.RedisDb.StringGetAsync(RedisKeys.Catalog);
        Assert.DoesNotContain(Secret, json, StringComparison.Ordinal);
        var document = JsonSerializer.Deserialize(json!, CoreJson.Default.CatalogDocument)!;
        var sealedCredential = document.Providers.Single(p => p.Name == name).Credential!;
        Assert.Equal(Secret, CredentialSealer.FromBase64(fixture.CredentialKey).Open(sealedCredential));
    }

    [Fact]
    public async Task ASecondInstance_OpensTheStoredCredentials_ThroughTheEncryptedKeyRing()
    {
        // The first instance stores a credential (and the key ring's key, encrypted); a second one on the same database
        // loads the key ring from there, so it must decrypt it to publish the credential.
        var name = "p" + Guid.NewGuid().ToString("N")[..8];
        const string Secret = "sk-upstream-second-instance";
        var created = await Expect.JsonAsync<ProviderView>(
            await fixture.Admin.Http.PostAsJsonAsync("/api/admin/providers", new { name, kind = "openai", baseUrl = "https://api.example.com/v1", credential = Secret }),
            HttpStatusCode.Created);

        var settings = new Dictionary<string, string?>(fixture.HostSettings) { ["ControlApi:RedisResyncInterval"] = "00:00:00" };
        await using var second = await ControlApiHost.BuildAsync(
            ["--urls", "http://127.0.0.1:0", "--environment", "Testing", "--Logging:LogLevel:Default=Error"],
            builder => builder.Configuration.AddInMemoryCollection(settings));
        await second.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(second.Urls.First()) };
        http.DefaultRequestHeaders.Authorization = fixture.Admin.Http.DefaultRequestHeaders.Authorization;
        await Expect.StatusAsync(
            await http.PatchAsJsonAsync($"/api/admin/providers/{created.Id}", new { baseUrl = "https://api2.example.com/v1" }), HttpStatusCode.OK);

        var document = JsonSerializer.Deserialize((string)(await fixture.RedisDb.StringGetAsync(RedisKeys.Catalog))!, CoreJson.Default.CatalogDocument)!;
        var published = document.Providers.Single(p => p.Name == name);
        Assert.Equal("https://api2.example.com/v1", published.BaseUrl);
        Assert.Equal(Secret, CredentialSealer.FromBase64(fixture.CredentialKey).Open(published.Credential!));
        await second.StopAsync();
    }

    [Fact]
    public async Task ModelWithRoute_IsPublishedToRedis_AndListedPubliclyWithPrices()
    {
        var provider = "p" + Guid.NewGuid().ToString("N")[..8];
        var modelId = "test/" + Guid.NewGuid().ToString("N")[..8];
        await Expect.StatusAsync(await fixture.Admin.Http.PostAsJsonAsync("/api/admin/providers", new { name = provider, baseUrl = "http://127.0.0.1:9/v1" }), HttpStatusCode.Created);
        var model = await Expect.JsonAsync<ModelView>(await fixture.Admin.Http.PostAsJsonAsync("/api/admin/models", new
        {
            publicId = modelId, displayName = "Test", contextLength = 8192, inputPerMillion = 0.15m, outputPerMillion = 0.6m, cachedInputPerMillion = 0.075m,
        }), HttpStatusCode.Created);
        var routed = await Expect.JsonAsync<ModelView>(await fixture.Admin.Http.PutAsJsonAsync($"/api/admin/models/{model.Id}/routes", new[]
        {
            new { provider, model = "upstream-a", weight = 3 },
            new { provider, model = "upstream-b", weight = 1 },
        }));
        Assert.Equal(["upstream-a", "upstream-b"], routed.Routes.Select(r => r.Model));

        var document = JsonSerializer.Deserialize((string)(await fixture.RedisDb.StringGetAsync(RedisKeys.Catalog))!, CoreJson.Default.CatalogDocument)!;
        var published = document.Models.Single(m => m.Id == modelId);
        Assert.Equal("0.15", published.InputPerMillion);
        Assert.Equal("0.6", published.OutputPerMillion);
        Assert.Equal("0.075", published.CachedInputPerMillion);
        Assert.Equal(8192, published.ContextLength);
        Assert.Equal([new CatalogDeployment(provider, "upstream-a", 3), new CatalogDeployment(provider, "upstream-b", 1)], published.Deployments);

        using var anonymous = fixture.Anonymous();
        var catalog = await anonymous.GetFromJsonAsync<JsonPage<PublicModelView>>("/api/models?pageSize=200");
        Assert.Equal(new PublicModelView(modelId, "Test", 8192, "0.15", "0.6", "0.075"), catalog!.Items.Single(m => m.Id == modelId));

        // Disabling hides the model from the public catalog and from the gateways.
        await Expect.StatusAsync(await fixture.Admin.Http.PatchAsJsonAsync($"/api/admin/models/{model.Id}", new { enabled = false }), HttpStatusCode.OK);
        Assert.DoesNotContain(modelId, await anonymous.GetStringAsync("/api/models?pageSize=200"), StringComparison.Ordinal);
        Assert.DoesNotContain(modelId, (string?)await fixture.RedisDb.StringGetAsync(RedisKeys.Catalog), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidCatalogInput_ReportsEachField()
    {
        await Expect.ValidationProblemAsync(await fixture.Admin.Http.PostAsJsonAsync("/api/admin/providers", new { name = "bad name", kind = "smtp", baseUrl = "ftp://x" }), "name", "kind", "baseUrl");
        await Expect.ValidationProblemAsync(await fixture.Admin.Http.PostAsJsonAsync("/api/admin/models", new { publicId = "x", inputPerMillion = -1m }), "inputPerMillion", "outputPerMillion");
        var model = await Expect.JsonAsync<ModelView>(await fixture.Admin.Http.PostAsJsonAsync("/api/admin/models", new { publicId = "v/" + Guid.NewGuid().ToString("N"), inputPerMillion = 1m, outputPerMillion = 2m }), HttpStatusCode.Created);
        await Expect.ValidationProblemAsync(await fixture.Admin.Http.PutAsJsonAsync($"/api/admin/models/{model.Id}/routes", new[] { new { provider = "no-such-provider", model = "m", weight = 0 } }), "[0].provider", "[0].weight");
    }

    [Fact]
    public async Task BedrockProvider_TakesAnApiKey_OrAccessKeys_ForTheRegionItsHostNames()
    {
        var apiKey = "b" + Guid.NewGuid().ToString("N")[..8];
        await Expect.StatusAsync(await fixture.Admin.Http.PostAsJsonAsync("/api/admin/providers", new { name = apiKey, kind = "bedrock", baseUrl = "http://127.0.0.1:9", credential = "ABSKexample" }), HttpStatusCode.Created);
        var keys = "b" + Guid.NewGuid().ToString("N")[..8];
        await Expect.StatusAsync(await fixture.Admin.Http.PostAsJsonAsync("/api/admin/providers", new { name = keys, kind = "bedrock", baseUrl = "https://bedrock-runtime.eu-central-1.amazonaws.com", credential = "AKIDEXAMPLE:secret" }), HttpStatusCode.Created);

        // Access keys sign for a region: a host that names none (a proxy) cannot take them, nor can a malformed pair.
        await Expect.ValidationProblemAsync(await fixture.Admin.Http.PostAsJsonAsync("/api/admin/providers", new { name = keys + "x", kind = "bedrock", baseUrl = "http://127.0.0.1:9", credential = "AKIDEXAMPLE:secret" }), "credential");
        await Expect.ValidationProblemAsync(await fixture.Admin.Http.PostAsJsonAsync("/api/admin/providers", new { name = keys + "y", kind = "bedrock", baseUrl = "https://bedrock-runtime.eu-central-1.amazonaws.com", credential = "a:b:c:d" }), "credential");
    }

    [Fact]
    public async Task BedrockProvider_KeepingItsAccessKeys_CannotMoveToAHostThatNamesNoRegion()
    {
        var name = "b" + Guid.NewGuid().ToString("N")[..8];
        var created = await Expect.JsonAsync<ProviderView>(await fixture.Admin.Http.PostAsJsonAsync("/api/admin/providers", new { name, kind = "bedrock", baseUrl = "https://bedrock-runtime.eu-central-1.amazonaws.com", credential = "AKIDEXAMPLE:secret" }), HttpStatusCode.Created);
        var path = $"/api/admin/providers/{created.Id}";

        // The stored keys would reach a proxy unsigned: refused, and nothing changes.
        await Expect.ValidationProblemAsync(await fixture.Admin.Http.PatchAsJsonAsync(path, new { baseUrl = "http://127.0.0.1:9" }), "baseUrl");
        Assert.Equal("https://bedrock-runtime.eu-central-1.amazonaws.com", (await fixture.Admin.Http.GetFromJsonAsync<ProviderView>(path))!.BaseUrl);

        // Another region's host, or a proxy with a Bedrock API key replacing the keys, is fine.
        await Expect.StatusAsync(await fixture.Admin.Http.PatchAsJsonAsync(path, new { baseUrl = "https://bedrock-runtime.us-west-2.amazonaws.com" }), HttpStatusCode.OK);
        await Expect.StatusAsync(await fixture.Admin.Http.PatchAsJsonAsync(path, new { baseUrl = "http://127.0.0.1:9", credential = "ABSKexample" }), HttpStatusCode.OK);

        // An OpenAI-kind provider whose key has a colon cannot become a Bedrock one on a host that names no region.
        var other = await Expect.JsonAsync<ProviderView>(await fixture.Admin.Http.PostAsJsonAsync("/api/admin/providers", new { name = name + "o", baseUrl = "http://127.0.0.1:9/v1", credential = "AKIDEXAMPLE:secret" }), HttpStatusCode.Created);
        await Expect.ValidationProblemAsync(await fixture.Admin.Http.PatchAsJsonAsync($"/api/admin/providers/{other.Id}", new { kind = "bedrock" }), "kind");
    }

    [Fact]
    public async Task ProviderAndModelSettings_AreStored_Patched_AndPublished()
    {
        var name = "p" + Guid.NewGuid().ToString("N")[..8];
        var created = await Expect.JsonAsync<ProviderView>(await fixture.Admin.Http.PostAsJsonAsync("/api/admin/providers", new
        {
            name, baseUrl = "http://127.0.0.1:9/v1",
            settings = new { connectTimeoutMs = 2_000, activityTimeoutMs = 900_000, warmConnections = 8, headers = new Dictionary<string, string> { ["OpenAI-Organization"] = "org-1", ["X-Title"] = "MassRouter" } },
        }), HttpStatusCode.Created);
        Assert.Equal(new ProviderSettings(2_000, 900_000, null, null, 8, null), created.Settings with { Headers = null });
        Assert.Equal(new Dictionary<string, string> { ["OpenAI-Organization"] = "org-1", ["X-Title"] = "MassRouter" }, created.Settings.Headers);

        // Only the given fields change; given headers replace the set.
        var patched = await Expect.JsonAsync<ProviderView>(await fixture.Admin.Http.PatchAsJsonAsync($"/api/admin/providers/{created.Id}", new
        {
            settings = new { maxConnections = 500, burstConnectionIdleTimeoutMs = 0, headers = new Dictionary<string, string> { ["X-Title"] = "Other" }, responses = true },
        }));
        Assert.Equal(new ProviderSettings(2_000, 900_000, 500, null, 8, 0, Responses: true), patched.Settings with { Headers = null });
        Assert.Equal(new Dictionary<string, string> { ["X-Title"] = "Other" }, patched.Settings.Headers);
        Assert.Equal(patched, (await fixture.Admin.Http.GetFromJsonAsync<ProviderView>($"/api/admin/providers/{created.Id}"))! with { Settings = patched.Settings });
        Assert.Equal(patched.Settings.Headers, (await fixture.Admin.Http.GetFromJsonAsync<ProviderView>($"/api/admin/providers/{created.Id}"))!.Settings.Headers);

        var model = await Expect.JsonAsync<ModelView>(await fixture.Admin.Http.PostAsJsonAsync("/api/admin/models", new
        {
            publicId = "s/" + Guid.NewGuid().ToString("N")[..8], inputPerMillion = 1m, outputPerMillion = 2m, firstTokenTimeoutMs = 20_000, loadBalancing = "least-latency",
        }), HttpStatusCode.Created);
        Assert.Equal((20_000L, (long?)null, "least-latency"), (model.FirstTokenTimeoutMs!.Value, model.TotalTimeoutMs, model.LoadBalancing));
        model = await Expect.JsonAsync<ModelView>(await fixture.Admin.Http.PatchAsJsonAsync($"/api/admin/models/{model.Id}", new { totalTimeoutMs = 300_000 }));
        Assert.Equal((20_000L, (long?)300_000, "least-latency"), (model.FirstTokenTimeoutMs!.Value, model.TotalTimeoutMs, model.LoadBalancing));
        await Expect.JsonAsync<ModelView>(await fixture.Admin.Http.PutAsJsonAsync($"/api/admin/models/{model.Id}/routes", new[] { new { provider = name, model = "up", weight = 1 } }));

        var document = JsonSerializer.Deserialize((string)(await fixture.RedisDb.StringGetAsync(RedisKeys.Catalog))!, CoreJson.Default.CatalogDocument)!;
        var provider = document.Providers.Single(p => p.Name == name);
        Assert.Equal((2_000L, 900_000L, 500, (long?)null, 8, 0L), (provider.ConnectTimeoutMs!.Value, provider.ActivityTimeoutMs!.Value, provider.MaxConnections!.Value, provider.PooledConnectionIdleTimeoutMs, provider.WarmConnections!.Value, provider.BurstConnectionIdleTimeoutMs!.Value));
        Assert.Equal(new Dictionary<string, string> { ["X-Title"] = "Other" }, provider.Headers);
        Assert.True(provider.Responses);
        var published = document.Models.Single(m => m.Id == model.PublicId);
        Assert.Equal((20_000L, 300_000L, "least-latency"), (published.FirstTokenTimeoutMs!.Value, published.TotalTimeoutMs!.Value, published.LoadBalancing));

        // Publishing again without a change is recognised as no change (the headers compare by content).
        Assert.False(await fixture.Get<CatalogPublisher>().PublishIfChangedAsync());
    }

    [Fact]
    public async Task InvalidSettings_ReportEachField()
    {
        await Expect.ValidationProblemAsync(
            await fixture.Admin.Http.PostAsJsonAsync("/api/admin/providers", new
            {
                name = "p" + Guid.NewGuid().ToString("N")[..8], baseUrl = "http://127.0.0.1:9/v1",
                settings = new
                {
                    connectTimeoutMs = 0, activityTimeoutMs = 86_400_001, maxConnections = 0, pooledConnectionIdleTimeoutMs = -1, warmConnections = 0, burstConnectionIdleTimeoutMs = -1,
                    headers = new Dictionary<string, string> { ["Authorization"] = "Bearer sk-x", ["bad name"] = "v", ["x-ok"] = "line\r\nbreak" },
                },
            }),
            "settings.connectTimeoutMs", "settings.activityTimeoutMs", "settings.maxConnections", "settings.pooledConnectionIdleTimeoutMs", "settings.warmConnections",
            "settings.burstConnectionIdleTimeoutMs", "settings.headers.Authorization", "settings.headers.bad name", "settings.headers.x-ok");
        await Expect.ValidationProblemAsync(
            await fixture.Admin.Http.PostAsJsonAsync("/api/admin/providers", new
            {
                name = "p" + Guid.NewGuid().ToString("N")[..8], baseUrl = "http://127.0.0.1:9/v1",
                settings = new { headers = new Dictionary<string, string> { ["X-Title"] = "a", ["x-title"] = "b" } },
            }),
            "settings.headers");
        await Expect.ValidationProblemAsync(
            await fixture.Admin.Http.PostAsJsonAsync("/api/admin/providers", new
            {
                name = "p" + Guid.NewGuid().ToString("N")[..8], kind = "anthropic", baseUrl = "http://127.0.0.1:9/v1", settings = new { responses = true },
            }),
            "settings.responses");

        // Nor can an openai-kind provider serving it become another kind while it says so.
        var responses = await Expect.JsonAsync<ProviderView>(await fixture.Admin.Http.PostAsJsonAsync("/api/admin/providers", new
        {
            name = "p" + Guid.NewGuid().ToString("N")[..8], baseUrl = "http://127.0.0.1:9/v1", settings = new { responses = true },
        }), HttpStatusCode.Created);
        await Expect.ValidationProblemAsync(
            await fixture.Admin.Http.PatchAsJsonAsync($"/api/admin/providers/{responses.Id}", new { kind = "anthropic" }), "settings.responses");
        await Expect.ValidationProblemAsync(
            await fixture.Admin.Http.PostAsJsonAsync("/api/admin/models", new { publicId = "x/" + Guid.NewGuid().ToString("N"), inputPerMillion = 1m, outputPerMillion = 1m, firstTokenTimeoutMs = 0, totalTimeoutMs = -1, loadBalancing = "random" }),
            "firstTokenTimeoutMs", "totalTimeoutMs", "loadBalancing");
    }

    [Fact]
    public async Task DuplicateNames_AreConflicts()
    {
        var name = "p" + Guid.NewGuid().ToString("N")[..8];
        await Expect.StatusAsync(await fixture.Admin.Http.PostAsJsonAsync("/api/admin/providers", new { name, baseUrl = "http://127.0.0.1:9" }), HttpStatusCode.Created);
        await Expect.ProblemAsync(await fixture.Admin.Http.PostAsJsonAsync("/api/admin/providers", new { name, baseUrl = "http://127.0.0.1:9" }), HttpStatusCode.Conflict);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class CatalogApiTests_Postgres(PostgresControlApiFixture fixture) : CatalogApiTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class CatalogApiTests_Sqlite(SqliteControlApiFixture fixture) : CatalogApiTests(fixture);
