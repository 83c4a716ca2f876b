using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using MassRouter.Core.Redis;
using MassRouter.Core.Usage;
using MassRouter.Gateway.Admin;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Metering;
using StackExchange.Redis;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>
/// One Redis flavour (a real redis-server or an embedded Garnet) behind a cuttable proxy, with two gateway instances
/// sharing it, and helpers to create accounts and keys and to read back what settlement wrote.
/// </summary>
public sealed class MeteringBackend : IAsyncDisposable
{
    public const string Model = "test/metered";
    public const string OtherModel = "test/other";

    /// <summary>Background responses an account may have in progress at once here.</summary>
    public const int MaxBackgroundResponses = 3;

    public const decimal InputPerMillion = 2.50m;
    public const decimal OutputPerMillion = 10.00m;

    /// <summary>Served by an Anthropic-kind deployment (native on <c>/v1/messages</c>), at its own price.</summary>
    public const string ClaudeModel = "test/metered-claude";
    public const decimal ClaudeInputPerMillion = 3.00m;
    public const decimal ClaudeOutputPerMillion = 15.00m;

    /// <summary>Served by a provider speaking the Responses API itself (native on <c>/v1/responses</c>), at the <see cref="Model"/>'s price.</summary>
    public const string ResponsesModel = "test/metered-responses";

    private readonly IAsyncDisposable _server;
    private readonly string _spoolDirectory;

    private MeteringBackend(string name, IAsyncDisposable server, int port, string spoolDirectory)
    {
        Name = name;
        ServerPort = port;
        _server = server;
        _spoolDirectory = spoolDirectory;
        Proxy = new TcpProxy(port);
        Redis = ConnectionMultiplexer.Connect("127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture));
    }

    public string Name { get; }

    /// <summary>The server's own port (no proxy in between).</summary>
    public int ServerPort { get; }

    /// <summary>Between the gateways and the server; the tests' own connection goes around it.</summary>
    public TcpProxy Proxy { get; }

    /// <summary>A direct connection for arranging and asserting.</summary>
    public IConnectionMultiplexer Redis { get; }

    public IDatabase Db => Redis.GetDatabase();

    public List<WebApplication> Gateways { get; } = [];

    public List<Uri> Addresses { get; } = [];

    /// <summary>
    /// A client that closes the connection when a response is disposed unread (no drain): a test that leaves mid-stream must
    /// really leave, not keep reading for up to two seconds, by which time a short stream may have finished and been billed "ok".
    /// </summary>
    public HttpClient Http { get; } = new(new SocketsHttpHandler { UseProxy = false, MaxResponseDrainSize = 0 }) { Timeout = TimeSpan.FromSeconds(30) };

    public static async Task<MeteringBackend> StartAsync(string name, Uri simulatorV1)
    {
        IAsyncDisposable server;
        int port;
        if (name == "redis")
        {
            var redis = await RedisServerProcess.StartAsync();
            (server, port) = (redis, redis.Port);
        }
        else
        {
            var garnet = Gateway.Redis.EmbeddedGarnet.Start("32m");
            (server, port) = (new AsyncDisposer(garnet), garnet.Port);
        }

        var spool = Path.Combine(Path.GetTempPath(), "massrouter-spool-" + Guid.NewGuid().ToString("N"));
        var backend = new MeteringBackend(name, server, port, spool);
        for (var i = 0; i < 2; i++)
        {
            await backend.StartGatewayAsync(i, simulatorV1);
        }

        return backend;
    }

    /// <summary>Makes Redis reachable again and waits until every gateway has reconnected.</summary>
    public async Task RestoreRedisAsync()
    {
        Proxy.Restore();
        foreach (var gateway in Gateways)
        {
            var redis = gateway.Services.GetRequiredService<IConnectionMultiplexer>();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    await redis.GetDatabase().PingAsync();
                    break;
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException && clock.Elapsed < TimeSpan.FromSeconds(15))
                {
                    await Task.Delay(50);
                }
            }
        }
    }

    /// <summary>
    /// Uses the key on a gateway until that instance holds it in memory (a load that raced with the key's own
    /// invalidation message is deliberately not cached), then waits for the settlements.
    /// </summary>
    public static async Task WarmAsync(HttpClient http, WebApplication gateway, string secret, string body = DefaultBody)
    {
        var store = gateway.Services.GetRequiredService<IApiKeyStore>();
        var address = new Uri(gateway.Urls.First());
        var requests = 0;
        ApiKeyInfo? key = null;
        await Tests.Metering.KeyTests.AssertEventuallyAsync(async () =>
        {
            using var response = await http.SendAsync(Chat(address, secret, body));
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            requests++;
            return store.TryFindCached(KeyHash.Of(secret), out key) && key is not null;
        });

        // The client can hold its answer before the gateway has queued the settlement, so an idle settler proves
        // nothing yet: wait for the warm-up's own events, or a test counting events afterwards would count them late.
        var db = gateway.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        await Tests.Metering.KeyTests.AssertEventuallyAsync(async () => await db.ListLengthAsync(RedisKeys.Outbox(key!.Account!)) >= requests);
        await gateway.Services.GetRequiredService<UsageSettler>().WhenIdleAsync();
    }

    internal UsageSettler Settler(int gateway) => Gateways[gateway].Services.GetRequiredService<UsageSettler>();

    /// <summary>Completes when both gateways have settled (or spooled) everything they queued.</summary>
    public Task WhenSettledAsync() => Task.WhenAll(Gateways.Select((_, i) => Settler(i).WhenIdleAsync())).WaitAsync(TimeSpan.FromSeconds(20));

    /// <summary>A new funded account with one key; returns the key's secret.</summary>
    internal async Task<TestKey> CreateKeyAsync(long balanceNanos, Func<KeyRecord, KeyRecord>? key = null, Func<AccountRecord, AccountRecord>? account = null)
    {
        var accountId = "u_" + Guid.NewGuid().ToString("N")[..12];
        var secret = "sk-mr-test-" + Guid.NewGuid().ToString("N");
        var keyId = "key_" + Guid.NewGuid().ToString("N")[..10];
        var accountRecord = account is null ? new AccountRecord(accountId) : account(new AccountRecord(accountId));
        // Brand-new ids are cached nowhere: no announcement, so no late invalidation can race with a test's warm-up.
        await RecordWriter.WriteAccountAsync(Db, accountRecord, announce: false);
        await RecordWriter.SetBalanceAsync(Db, accountId, balanceNanos);
        var keyRecord = new KeyRecord(keyId, accountId);
        await RecordWriter.WriteKeyAsync(Db, KeyHash.Of(secret), key is null ? keyRecord : key(keyRecord), announce: false);
        return new TestKey(secret, keyId, accountId);
    }

    /// <summary>
    /// Waits until the account's outbox holds <paramref name="count"/> events and returns them. The client can have the
    /// whole response before the gateway queues the settlement, so this waits on Redis, not on the settlers.
    /// </summary>
    public async Task<List<UsageEvent>> WaitForEventsAsync(string account, int count)
    {
        await Tests.Metering.KeyTests.AssertEventuallyAsync(async () => (await OutboxAsync(account)).Count >= count, 10_000);
        await WhenSettledAsync();
        return await OutboxAsync(account);
    }

    /// <summary>A usage event of <paramref name="key"/> with a fresh id, as a gateway would settle it, for tests that settle directly.</summary>
    internal static UsageEvent Event(TestKey key, long costNanos) => new()
    {
        Id = Guid.CreateVersion7().ToString("N"),
        RequestId = "req_" + Guid.NewGuid().ToString("N")[..8],
        KeyId = key.KeyId,
        Account = key.Account,
        Model = Model,
        Provider = "sim",
        PromptTokens = 100,
        CompletionTokens = 50,
        CostNanos = costNanos,
        Status = UsageStatus.Ok,
        HttpStatus = 200,
        EndedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
    };

    /// <summary>How many settlements <paramref name="gateway"/> found already settled (its duplicate-outcome counter).</summary>
    public async Task<double> DuplicateSettlementsAsync(int gateway)
    {
        var text = await Http.GetStringAsync(new Uri(Addresses[gateway], "metrics"));
        var match = System.Text.RegularExpressions.Regex.Match(text, "massrouter_settlements_total\\{outcome=\"duplicate\"\\} ([0-9.e+]+)");
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    public async Task<long> BalanceAsync(string account) => (long)await Db.HashGetAsync(RedisKeys.Account(account), AccountFields.BalanceNanos);

    public async Task<List<UsageEvent>> OutboxAsync(string account) =>
        (await Db.ListRangeAsync(RedisKeys.Outbox(account))).Select(v => JsonSerializer.Deserialize((string)v!, CoreJson.Default.UsageEvent)!).ToList();

    public HttpRequestMessage Chat(int gateway, string key, string body = DefaultBody, params (string Name, string Value)[] headers) =>
        Chat(Addresses[gateway], key, body, headers);

    public const string DefaultBody = """{"model":"test/metered","messages":[{"role":"user","content":"Say hello to the metering tests"}]}""";

    /// <summary>The same request for <see cref="OtherModel"/>, which has no price: it costs nothing.</summary>
    public const string FreeBody = """{"model":"test/other","messages":[{"role":"user","content":"Say hello to the metering tests"}]}""";

    /// <summary>An embeddings request (<c>POST /v1/embeddings</c>) to gateway <paramref name="gateway"/>.</summary>
    public HttpRequestMessage Embeddings(int gateway, string key, string body)
    {
        var request = Chat(Addresses[gateway], key, body);
        request.RequestUri = new Uri(Addresses[gateway], "v1/embeddings");
        return request;
    }

    /// <summary>A Responses request (<c>POST /v1/responses</c>) to gateway <paramref name="gateway"/>.</summary>
    public HttpRequestMessage Responses(int gateway, string key, string body, params (string Name, string Value)[] headers)
    {
        var request = Chat(Addresses[gateway], key, body, headers);
        request.RequestUri = new Uri(Addresses[gateway], "v1/responses");
        return request;
    }

    /// <summary>An Anthropic Messages request (<c>POST /v1/messages</c>, the key in <c>x-api-key</c>) to gateway <paramref name="gateway"/>.</summary>
    public HttpRequestMessage Messages(int gateway, string key, string body)
    {
        var request = Chat(Addresses[gateway], key, body);
        request.RequestUri = new Uri(Addresses[gateway], "v1/messages");
        request.Headers.Authorization = null;
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        return request;
    }

    public static HttpRequestMessage Chat(Uri gateway, string key, string body = DefaultBody, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "v1/chat/completions"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var gateway in Gateways)
        {
            await gateway.StopAsync();
            await gateway.DisposeAsync();
        }

        Http.Dispose();
        Redis.Dispose();
        await Proxy.DisposeAsync();
        await _server.DisposeAsync();
        if (Directory.Exists(_spoolDirectory))
        {
            Directory.Delete(_spoolDirectory, recursive: true);
        }
    }

    public override string ToString() => Name;

    /// <summary>Starts one more gateway on this backend (the caller disposes it), with extra settings.</summary>
    public async Task<WebApplication> StartExtraGatewayAsync(Uri simulatorV1, Dictionary<string, string?> overrides)
    {
        var app = await BuildGatewayAsync(Gateways.Count + 100, simulatorV1, overrides);
        await app.StartAsync();
        return app;
    }

    /// <summary>The gateway (of the two) that admits optimistically (the default); the other waits for Redis, so both ways are exercised.</summary>
    public const int OptimisticGateway = 1;

    private async Task StartGatewayAsync(int index, Uri simulatorV1)
    {
        Dictionary<string, string?> overrides = new() { ["MassRouter:Metering:OptimisticAdmission"] = index == OptimisticGateway ? "true" : "false" };
        var app = await BuildGatewayAsync(index, simulatorV1, overrides);
        await app.StartAsync();
        Gateways.Add(app);
        Addresses.Add(new Uri(app.Urls.First()));
    }

    private Task<WebApplication> BuildGatewayAsync(int index, Uri simulatorV1, Dictionary<string, string?> overrides)
    {
        var config = GatewayConfiguration(simulatorV1, Proxy.Port, Path.Combine(_spoolDirectory, $"gateway{index}", "spool.jsonl"), overrides);
        return GatewayHost.BuildAsync(
            ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:MassRouter=Information"],
            builder => builder.Configuration.AddInMemoryCollection(config));
    }

    /// <summary>A test gateway's settings (catalog, prices, Redis on <paramref name="redisPort"/>, spool), with overrides.</summary>
    public static Dictionary<string, string?> GatewayConfiguration(Uri simulatorV1, int redisPort, string spoolPath, Dictionary<string, string?> overrides)
    {
        var config = new Dictionary<string, string?>
        {
            ["MassRouter:Redis"] = "127.0.0.1:" + redisPort.ToString(CultureInfo.InvariantCulture) + ",connectRetry=1",
            ["MassRouter:ApiKeys:0:Key"] = "sk-configured-unmetered",
            ["MassRouter:Providers:sim:BaseUrl"] = simulatorV1.ToString(),
            ["MassRouter:Models:0:Id"] = Model,
            ["MassRouter:Models:0:Deployments:0:Provider"] = "sim",
            ["MassRouter:Models:1:Id"] = OtherModel,
            ["MassRouter:Models:1:Deployments:0:Provider"] = "sim",
            ["MassRouter:Providers:sim-anthropic:Kind"] = "anthropic",
            ["MassRouter:Providers:sim-anthropic:BaseUrl"] = simulatorV1.ToString(),
            ["MassRouter:Models:2:Id"] = ClaudeModel,
            ["MassRouter:Models:2:Deployments:0:Provider"] = "sim-anthropic",
            ["MassRouter:Providers:sim-responses:BaseUrl"] = simulatorV1.ToString(),
            ["MassRouter:Providers:sim-responses:Responses"] = "true",
            ["MassRouter:Models:3:Id"] = ResponsesModel,
            ["MassRouter:Models:3:Deployments:0:Provider"] = "sim-responses",
            ["MassRouter:Metering:Prices:test/metered-responses:InputPerMillion"] = InputPerMillion.ToString(CultureInfo.InvariantCulture),
            ["MassRouter:Metering:Prices:test/metered-responses:OutputPerMillion"] = OutputPerMillion.ToString(CultureInfo.InvariantCulture),
            ["MassRouter:Metering:Prices:test/metered-claude:InputPerMillion"] = ClaudeInputPerMillion.ToString(CultureInfo.InvariantCulture),
            ["MassRouter:Metering:Prices:test/metered-claude:OutputPerMillion"] = ClaudeOutputPerMillion.ToString(CultureInfo.InvariantCulture),
            ["MassRouter:Metering:Prices:test/metered:InputPerMillion"] = InputPerMillion.ToString(CultureInfo.InvariantCulture),
            ["MassRouter:Metering:Prices:test/metered:OutputPerMillion"] = OutputPerMillion.ToString(CultureInfo.InvariantCulture),
            ["MassRouter:Metering:MaxBackgroundResponses"] = MaxBackgroundResponses.ToString(CultureInfo.InvariantCulture),
            ["MassRouter:Metering:SpoolPath"] = spoolPath,
            ["MassRouter:Metering:SpoolReplayInterval"] = "00:00:00.200",
            ["MassRouter:Metering:RedisTimeout"] = "00:00:02",
        };
        foreach (var (name, value) in overrides)
        {
            config[name] = value;
        }

        return config;
    }

    private sealed class AsyncDisposer(IDisposable inner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            inner.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>A key created for one test.</summary>
public sealed record TestKey(string Secret, string KeyId, string Account);
