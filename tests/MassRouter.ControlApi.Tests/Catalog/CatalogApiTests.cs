using System.Text.Json;
using Dapper;
using MassRouter.ControlApi.Catalog;
using MassRouter.ControlApi.Storage;
using MassRouter.Core.Catalog;
using MassRouter.Core.Redis;
using MassRouter.Core.Security;
using MassRouter.Core.Usage;

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
        }

        Assert.DoesNotContain(Secret, await fixture.Admin.Http.GetStringAsync("/api/admin/providers?pageSize=200"), StringComparison.Ordinal);
        var json = (string?)await fixture.RedisDb.StringGetAsync(RedisKeys.Catalog);
        Assert.DoesNotContain(Secret, json, StringComparison.Ordinal);
        var document = JsonSerializer.Deserialize(json!, CoreJson.Default.CatalogDocument)!;
        var sealedCredential = document.Providers.Single(p => p.Name == name).Credential!;
        Assert.Equal(Secret, CredentialSealer.FromBase64(fixture.CredentialKey).Open(sealedCredential));
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
