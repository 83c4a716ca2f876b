using MassRouter.ControlApi.Keys;
using MassRouter.Core.Redis;

namespace MassRouter.ControlApi.Tests.Keys;

public abstract class KeysApiTests(ControlApiFixture fixture)
{
    [Fact]
    public async Task Create_ShowsSecretOnce_StoresOnlyHash_AndWritesKeyRecord()
    {
        var user = await fixture.NewUserAsync();
        var events = await EventsSubscription.StartAsync(fixture.Redis.Connection);
        var created = await Expect.JsonAsync<CreatedKey>(await user.Http.PostAsJsonAsync("/api/keys", new
        {
            name = "ci",
            models = new[] { "sim/openai", "sim/large" },
            rpm = 60,
            tpm = 10_000,
            maxConcurrency = 4,
            dailyCapNanos = 1_000_000_000,
            monthlyCapNanos = 20_000_000_000,
            endUserDailyCapNanos = 100_000_000,
            endUserMonthlyCapNanos = 2_000_000_000,
            endUserRpm = 30,
        }), HttpStatusCode.Created);

        Assert.StartsWith("sk-mr-", created.Secret, StringComparison.Ordinal);
        Assert.StartsWith(created.Key.Prefix.TrimEnd('…'), created.Secret, StringComparison.Ordinal);
        var hash = KeySecret.Hash(created.Secret);
        await events.ReadAsync(RedisKeys.KeyChanged(hash));
        var record = (await fixture.RedisDb.HashGetAllAsync(RedisKeys.Key(hash))).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
        Assert.Equal(created.Key.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), record[KeyFields.Id]);
        Assert.Equal("ci", record[KeyFields.Name]);
        Assert.Equal(user.Account, record[KeyFields.Account]);
        Assert.Equal(RecordStatus.Active, record[KeyFields.Status]);
        Assert.Equal("0", record[KeyFields.ExpiresAt]);
        Assert.Equal("sim/openai,sim/large", record[KeyFields.Models]);
        Assert.Equal("60", record[KeyFields.Rpm]);
        Assert.Equal("10000", record[KeyFields.Tpm]);
        Assert.Equal("4", record[KeyFields.MaxConcurrency]);
        Assert.Equal("1000000000", record[KeyFields.DailyCapNanos]);
        Assert.Equal("20000000000", record[KeyFields.MonthlyCapNanos]);
        Assert.Equal("100000000", record[KeyFields.EndUserDailyCapNanos]);
        Assert.Equal("2000000000", record[KeyFields.EndUserMonthlyCapNanos]);
        Assert.Equal("30", record[KeyFields.EndUserRpm]);
        Assert.Equal(30, created.Key.EndUserRpm);
        Assert.Equal(100_000_000, created.Key.EndUserDailyCapNanos);
        Assert.Equal(2_000_000_000, created.Key.EndUserMonthlyCapNanos);

        var body = await user.Http.GetStringAsync($"/api/keys/{created.Key.Id}");
        Assert.DoesNotContain(created.Secret, body, StringComparison.Ordinal);
        Assert.DoesNotContain(hash, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_InvalidLimits_ReportsEachField()
    {
        var user = await fixture.NewUserAsync();
        var response = await user.Http.PostAsJsonAsync("/api/keys", new { name = "", rpm = -1, dailyCapNanos = -5, endUserDailyCapNanos = -1, endUserMonthlyCapNanos = -2, endUserRpm = -3, models = new[] { "a,b" } });
        await Expect.ValidationProblemAsync(response, "name", "rpm", "dailyCapNanos", "endUserDailyCapNanos", "endUserMonthlyCapNanos", "endUserRpm", "models");
    }

    [Fact]
    public async Task RevokeMissedByRedis_IsRepairedByThePeriodicResync()
    {
        var user = await fixture.NewUserAsync();
        var created = await CreateAsync(user);
        var hash = RedisKeys.Key(KeySecret.Hash(created.Secret));
        await Expect.JsonAsync<KeyView>(await user.Http.PostAsync($"/api/keys/{created.Key.Id}/revoke", null));

        // As if the revocation's Redis write had been lost: Redis still says active.
        await fixture.RedisDb.HashSetAsync(hash, KeyFields.Status, RecordStatus.Active);

        Assert.True(await fixture.Get<MassRouter.ControlApi.Seed.PeriodicRedisResync>().TickAsync());
        Assert.Equal(RecordStatus.Revoked, (string?)await fixture.RedisDb.HashGetAsync(hash, KeyFields.Status));
    }

    [Fact]
    public async Task Resync_WithNothingChanged_WritesAndPublishesNothing_ButStillRepairsDrift()
    {
        var user = await fixture.NewUserAsync();
        await CreateAsync(user);
        var resync = fixture.Get<MassRouter.ControlApi.Seed.RedisResync>();
        // Converge whatever earlier tests left behind (some change Redis behind the database's back on purpose).
        await resync.RunAsync();
        var catalog = (string?)await fixture.RedisDb.StringGetAsync(RedisKeys.Catalog);
        Assert.NotNull(catalog);
        var events = await EventsSubscription.StartAsync(fixture.Redis.Connection);

        Assert.Equal(0, await resync.RunAsync());
        Assert.True(await fixture.Get<MassRouter.ControlApi.Seed.PeriodicRedisResync>().TickAsync());

        // Redis delivers messages in the order it ran the commands: nothing was published before this marker.
        var marker = "test:" + Guid.NewGuid().ToString("N");
        await fixture.RedisDb.PublishAsync(StackExchange.Redis.RedisChannel.Literal(RedisKeys.EventsChannel), marker);
        Assert.Equal(marker, await events.NextAsync());
        Assert.Equal(catalog, (string?)await fixture.RedisDb.StringGetAsync(RedisKeys.Catalog));

        // A catalog Redis lost, and a key and account changed behind the database's back, are rewritten and announced.
        var hash = KeySecret.Hash((await CreateAsync(user)).Secret);
        await fixture.RedisDb.HashSetAsync(RedisKeys.Key(hash), KeyFields.Rpm, 12345);
        await fixture.RedisDb.HashSetAsync(RedisKeys.Account(user.Account), AccountFields.Status, RecordStatus.Suspended);
        await fixture.RedisDb.KeyDeleteAsync(RedisKeys.Catalog);
        Assert.Equal(3, await resync.RunAsync());
        Assert.Equal("0", (string?)await fixture.RedisDb.HashGetAsync(RedisKeys.Key(hash), KeyFields.Rpm));
        Assert.Equal(RecordStatus.Active, (string?)await fixture.RedisDb.HashGetAsync(RedisKeys.Account(user.Account), AccountFields.Status));
        await events.ReadAsync(RedisKeys.CatalogChanged);
        Assert.NotNull((string?)await fixture.RedisDb.StringGetAsync(RedisKeys.Catalog));
    }

    [Fact]
    public async Task Update_ChangesLimitsAndNameInRedis()
    {
        var user = await fixture.NewUserAsync();
        var created = await CreateAsync(user);
        var updated = await Expect.JsonAsync<KeyView>(await user.Http.PatchAsJsonAsync($"/api/keys/{created.Key.Id}", new { rpm = 5, models = new[] { "sim/openai" }, name = "renamed" }));
        Assert.Equal(5, updated.Rpm);
        var hash = RedisKeys.Key(KeySecret.Hash(created.Secret));
        Assert.Equal("5", (string?)await fixture.RedisDb.HashGetAsync(hash, KeyFields.Rpm));
        Assert.Equal("renamed", (string?)await fixture.RedisDb.HashGetAsync(hash, KeyFields.Name));
        Assert.Equal("sim/openai", (string?)await fixture.RedisDb.HashGetAsync(hash, KeyFields.Models));

        // A cap per end user, set later, reaches the key's record; the other one stays as it was.
        var capped = await Expect.JsonAsync<KeyView>(await user.Http.PatchAsJsonAsync($"/api/keys/{created.Key.Id}", new { endUserDailyCapNanos = 250_000_000 }));
        Assert.Equal(250_000_000, capped.EndUserDailyCapNanos);
        Assert.Equal(0, capped.EndUserMonthlyCapNanos);
        Assert.Equal(5, capped.Rpm);
        Assert.Equal("250000000", (string?)await fixture.RedisDb.HashGetAsync(hash, KeyFields.EndUserDailyCapNanos));
        Assert.Equal(250_000_000, (await Expect.JsonAsync<KeyView>(await user.Http.GetAsync($"/api/keys/{created.Key.Id}"))).EndUserDailyCapNanos);
    }

    [Fact]
    public async Task Revoke_MarksKeyRevokedInRedis_AndAudits()
    {
        var user = await fixture.NewUserAsync();
        var created = await CreateAsync(user);
        var events = await EventsSubscription.StartAsync(fixture.Redis.Connection);
        var revoked = await Expect.JsonAsync<KeyView>(await user.Http.PostAsync($"/api/keys/{created.Key.Id}/revoke", null));
        Assert.Equal(RecordStatus.Revoked, revoked.Status);
        var hash = KeySecret.Hash(created.Secret);
        await events.ReadAsync(RedisKeys.KeyChanged(hash));
        Assert.Equal(RecordStatus.Revoked, (string?)await fixture.RedisDb.HashGetAsync(RedisKeys.Key(hash), KeyFields.Status));
        var audit = await fixture.Admin.Http.GetFromJsonAsync<JsonPage<Audit.AuditEntry>>($"/api/admin/audit?action=key.revoke&target=key:{created.Key.Id}");
        Assert.Equal(user.UserId, Assert.Single(audit!.Items).ActorUserId);
    }

    [Fact]
    public async Task Rotate_IssuesNewKey_AndOldKeyExpiresAfterGrace()
    {
        var user = await fixture.NewUserAsync();
        var created = await CreateAsync(user);
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var rotated = await Expect.JsonAsync<CreatedKey>(await user.Http.PostAsJsonAsync($"/api/keys/{created.Key.Id}/rotate", new { graceSeconds = 600 }));
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        Assert.NotEqual(created.Secret, rotated.Secret);
        Assert.Equal(RecordStatus.Active, (string?)await fixture.RedisDb.HashGetAsync(RedisKeys.Key(KeySecret.Hash(rotated.Secret)), KeyFields.Status));
        var oldExpiry = (long)await fixture.RedisDb.HashGetAsync(RedisKeys.Key(KeySecret.Hash(created.Secret)), KeyFields.ExpiresAt);
        Assert.InRange(oldExpiry, before + 600_000, after + 600_000);
        var old = await user.Http.GetFromJsonAsync<KeyView>($"/api/keys/{created.Key.Id}");
        Assert.Equal(rotated.Key.Id, old!.RotatedTo);
        Assert.Equal(RecordStatus.Active, old.Status);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(KeysApi.MaxGraceSeconds + 1)]
    [InlineData(9_223_372_036_854_775L)]
    public async Task Rotate_GraceOutOfBounds_IsValidationProblem_AndLeavesTheKey(long graceSeconds)
    {
        var user = await fixture.NewUserAsync();
        var created = await CreateAsync(user);
        await Expect.ValidationProblemAsync(await user.Http.PostAsJsonAsync($"/api/keys/{created.Key.Id}/rotate", new { graceSeconds }), "graceSeconds");

        var old = await user.Http.GetFromJsonAsync<KeyView>($"/api/keys/{created.Key.Id}");
        Assert.Null(old!.RotatedTo);
        Assert.Equal(created.Key.ExpiresAt, old.ExpiresAt);
        Assert.Equal(1, (await user.Http.GetFromJsonAsync<JsonPage<KeyView>>("/api/keys"))!.Total);
    }

    [Fact]
    public async Task List_IsPagedAndOnlyOwnKeys()
    {
        var user = await fixture.NewUserAsync();
        var other = await fixture.NewUserAsync();
        await CreateAsync(other);
        for (var i = 0; i < 3; i++)
        {
            await CreateAsync(user);
        }

        var first = await user.Http.GetFromJsonAsync<JsonPage<KeyView>>("/api/keys?pageSize=2");
        Assert.Equal(2, first!.Items.Count);
        Assert.Equal(3, first.Total);
        var second = await user.Http.GetFromJsonAsync<JsonPage<KeyView>>("/api/keys?page=2&pageSize=2");
        Assert.Single(second!.Items);
        Assert.All(first.Items.Concat(second.Items), k => Assert.Equal(user.Account, k.Account));
    }

    internal static async Task<CreatedKey> CreateAsync(Session user, long? teamId = null) =>
        await Expect.JsonAsync<CreatedKey>(await user.Http.PostAsJsonAsync("/api/keys", new { name = "key", teamId }), HttpStatusCode.Created);
}

[Collection(PostgresCollection.Name)]
public sealed class KeysApiTests_Postgres(PostgresControlApiFixture fixture) : KeysApiTests(fixture);

[Collection(SqliteCollection.Name)]
public sealed class KeysApiTests_Sqlite(SqliteControlApiFixture fixture) : KeysApiTests(fixture);
