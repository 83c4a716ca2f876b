using System.ClientModel;
using System.Net.Http.Headers;
using System.Text;
using MassRouter.Simulator;
using MassRouter.Tests.Sdk;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Responses;

namespace MassRouter.Gateway.Tests.Infrastructure;

/// <summary>
/// A provider simulator and a gateway in front of it, both on real loopback HTTP ports, shared by the tests of a collection.
/// </summary>
public class GatewayFixture : IAsyncLifetime
{
    public const string Key = "sk-test-full-access";
    public const string LimitedKey = "sk-test-limited";

    /// <summary>A second full-access key: another owner's stored responses are not this one's.</summary>
    public const string OtherKey = "sk-test-other-owner";
    public const int MaxBodyBytes = 64 * 1024;
    public const string UpstreamCredential = "sk-upstream-secret";

    private WebApplication? _simulator;
    private WebApplication? _gateway;

    public Uri SimulatorAddress { get; private set; } = null!;

    public Uri GatewayAddress { get; private set; } = null!;

    /// <summary>A client with no default headers, for raw HTTP checks.</summary>
    public HttpClient Http { get; } = new(new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = System.Net.DecompressionMethods.None })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public static string FixturesPath => MassRouter.Tests.FixturesRoot.Path;

    public virtual async Task InitializeAsync()
    {
        _simulator = SimulatorHost.Build(new SimulatorOptions { FixturesPath = FixturesPath }, "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning");
        await _simulator.StartAsync();
        SimulatorAddress = SimulatorHost.GetAddress(_simulator);
        var simV1 = new Uri(SimulatorAddress, "v1").ToString();

        var config = new Dictionary<string, string?>
        {
            ["MassRouter:MaxRequestBodyBytes"] = MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["MassRouter:ApiKeys:0:Key"] = Key,
            ["MassRouter:ApiKeys:1:KeyHash"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(LimitedKey))),
            ["MassRouter:ApiKeys:1:Models:0"] = "test/gpt",
            ["MassRouter:ApiKeys:2:Key"] = OtherKey,
            ["MassRouter:Providers:sim:Kind"] = "openai",
            ["MassRouter:Providers:sim:BaseUrl"] = simV1,
            ["MassRouter:Providers:sim:ApiKey"] = UpstreamCredential,
            ["MassRouter:Providers:impatient:BaseUrl"] = simV1,
            ["MassRouter:Providers:impatient:ActivityTimeout"] = "00:00:01",
            ["MassRouter:Providers:dead:BaseUrl"] = "http://127.0.0.1:9/v1",
            ["MassRouter:Providers:azure:BaseUrl"] = SimulatorAddress.ToString(),
            ["MassRouter:Providers:azure:Flavor"] = "azure",
            ["MassRouter:Providers:azure:ApiVersion"] = "2024-10-21",
            ["MassRouter:Providers:azure:ApiKey"] = UpstreamCredential,
            ["MassRouter:Models:0:Id"] = "test/gpt",
            ["MassRouter:Models:0:Deployments:0:Provider"] = "sim",
            ["MassRouter:Models:0:Deployments:0:Model"] = "sim-upstream-model",
            ["MassRouter:Models:1:Id"] = "test/other",
            ["MassRouter:Models:1:Deployments:0:Provider"] = "sim",
            ["MassRouter:Models:2:Id"] = "test/impatient",
            ["MassRouter:Models:2:Deployments:0:Provider"] = "impatient",
            ["MassRouter:Models:3:Id"] = "test/dead",
            ["MassRouter:Models:3:Deployments:0:Provider"] = "dead",
            ["MassRouter:Models:4:Id"] = "test/azure",
            ["MassRouter:Models:4:Deployments:0:Provider"] = "azure",
            ["MassRouter:Models:4:Deployments:0:Model"] = "my-deployment",
            ["MassRouter:Providers:sim-anthropic:Kind"] = "anthropic",
            ["MassRouter:Providers:sim-anthropic:BaseUrl"] = simV1,
            ["MassRouter:Providers:sim-anthropic:ApiKey"] = UpstreamCredential,
            ["MassRouter:Models:5:Id"] = "test/claude",
            ["MassRouter:Models:5:Deployments:0:Provider"] = "sim-anthropic",
            ["MassRouter:Models:5:Deployments:0:Model"] = "sim-claude-upstream",

            // A provider serving OpenAI's Responses API itself: /v1/responses requests reach it as the client sent them.
            ["MassRouter:Providers:sim-responses:BaseUrl"] = simV1,
            ["MassRouter:Providers:sim-responses:ApiKey"] = UpstreamCredential,
            ["MassRouter:Providers:sim-responses:Responses"] = "true",
            ["MassRouter:Models:6:Id"] = "test/responses",
            ["MassRouter:Models:6:Deployments:0:Provider"] = "sim-responses",
            ["MassRouter:Models:6:Deployments:0:Model"] = "sim-responses-upstream",

            // Chat completions first, the Responses API second: what has no chat form skips to the second.
            ["MassRouter:Models:7:Id"] = "test/responses-mixed",
            ["MassRouter:Models:7:Deployments:0:Provider"] = "sim",
            ["MassRouter:Models:7:Deployments:1:Provider"] = "sim-responses",
            ["MassRouter:Models:7:Deployments:1:Model"] = "sim-responses-upstream",

            // Two providers serving the Responses API, the second first: a continuation goes to the one that stored the response.
            ["MassRouter:Providers:sim-responses-b:BaseUrl"] = simV1,
            ["MassRouter:Providers:sim-responses-b:ApiKey"] = UpstreamCredential,
            ["MassRouter:Providers:sim-responses-b:Responses"] = "true",
            ["MassRouter:Models:90:Id"] = "test/responses-pair",
            ["MassRouter:Models:90:Deployments:0:Provider"] = "sim-responses-b",
            ["MassRouter:Models:90:Deployments:0:Model"] = "sim-responses-b-upstream",
            ["MassRouter:Models:90:Deployments:1:Provider"] = "sim-responses",
            ["MassRouter:Models:90:Deployments:1:Model"] = "sim-responses-upstream",

            // These tests exercise how one provider's answers and errors are relayed: no retries, no breaker.
            // Retries, fallbacks and circuits are tested with ResilienceFixture.
            ["MassRouter:DefaultModerationModel"] = "test/other",
            ["MassRouter:Resilience:MaxAttempts"] = "1",
            ["MassRouter:Resilience:CircuitBreaker:MinimumThroughput"] = "1000000",

            // Kestrel's inline scheduling (what a production gateway runs with) under every relay test.
            ["MassRouter:InlineIo"] = "true",
        };
        AddConfiguration(config);
        _gateway = await StartGatewayAsync(config);
        GatewayAddress = new Uri(_gateway.Urls.First());
    }

    /// <summary>Lets a derived fixture add or override gateway configuration before the gateway starts.</summary>
    protected virtual void AddConfiguration(IDictionary<string, string?> config)
    {
    }

    public virtual async Task DisposeAsync()
    {
        Http.Dispose();
        await StopAsync(_gateway);
        await StopAsync(_simulator);
    }

    /// <summary>Starts a gateway on a loopback port with <paramref name="config"/>.</summary>
    internal static async Task<WebApplication> StartGatewayAsync(Dictionary<string, string?> config)
    {
        var gateway = await GatewayHost.BuildAsync(
            ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"],
            builder => builder.Configuration.AddInMemoryCollection(config));
        await gateway.StartAsync();
        return gateway;
    }

    internal static async Task StopAsync(WebApplication? app)
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>The official OpenAI SDK pointed at the gateway; <paramref name="headers"/> go on every request (simulator controls).</summary>
    public ChatClient ChatClient(string model = "test/gpt", string key = Key, IReadOnlyDictionary<string, string>? headers = null) =>
        OpenAIClient(key, headers).GetChatClient(model);

    /// <summary>The official OpenAI SDK's Responses client pointed at the gateway (the model goes in each request), <paramref name="headers"/> on every request.</summary>
#pragma warning disable OPENAI001 // The SDK marks its Responses client experimental; it is what OpenAI SDK users call.
    public ResponsesClient ResponsesClient(params (string Name, string Value)[] headers) => ResponsesClient(Key, headers);

    /// <summary>The official OpenAI SDK's Responses client with <paramref name="key"/>.</summary>
    public ResponsesClient ResponsesClient(string key, params (string Name, string Value)[] headers) =>
        OpenAIClient(key, headers.Length == 0 ? null : headers.ToDictionary(h => h.Name, h => h.Value)).GetResponsesClient();
#pragma warning restore OPENAI001

    /// <summary>The official OpenAI SDK's moderation client pointed at the gateway.</summary>
    public OpenAI.Moderations.ModerationClient ModerationClient(string model) => OpenAIClient(Key, null).GetModerationClient(model);

    private OpenAIClient OpenAIClient(string key, IReadOnlyDictionary<string, string>? headers)
    {
        var options = new OpenAIClientOptions { Endpoint = new Uri(GatewayAddress, "v1"), NetworkTimeout = TimeSpan.FromSeconds(30) };
        if (headers is not null)
        {
            options.AddPolicy(new HeadersPolicy(headers), System.ClientModel.Primitives.PipelinePosition.PerCall);
        }

        return new OpenAIClient(new ApiKeyCredential(key), options);
    }

    /// <summary>A raw chat-completions request to the gateway.</summary>
    public HttpRequestMessage ChatRequest(string json, string? key = Key, params (string Name, string Value)[] headers) =>
        ChatRequest(GatewayAddress, json, key, headers);

    /// <summary>A raw chat-completions request to the gateway at <paramref name="gateway"/>.</summary>
    internal static HttpRequestMessage ChatRequest(Uri gateway, string json, string? key, params (string Name, string Value)[] headers) =>
        JsonPost(new Uri(gateway, "v1/chat/completions"), json, key, headers);

    /// <summary>A raw JSON POST to the gateway's <paramref name="path"/> (<c>v1/embeddings</c>).</summary>
    public HttpRequestMessage JsonPost(string path, string json, string? key = Key, params (string Name, string Value)[] headers) =>
        JsonPost(new Uri(GatewayAddress, path), json, key, headers);

    private static HttpRequestMessage JsonPost(Uri url, string json, string? key, (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    /// <summary>What the simulator recorded of the request tagged <paramref name="id"/>.</summary>
    public async Task<System.Text.Json.Nodes.JsonNode> RecordedRequestAsync(string id)
    {
        var json = await Http.GetStringAsync(new Uri(SimulatorAddress, $"sim/requests/{id}"));
        return System.Text.Json.Nodes.JsonNode.Parse(json)!;
    }

}

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
