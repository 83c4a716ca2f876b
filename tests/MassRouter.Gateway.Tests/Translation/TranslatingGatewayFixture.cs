using System.ClientModel;
using MassRouter.Gateway.Tests.Infrastructure;
using MassRouter.Tests.Sdk;
using OpenAI;
using OpenAI.Chat;

namespace MassRouter.Gateway.Tests.Translation;

/// <summary>A gateway on loopback whose providers speak OpenAI, Anthropic, Gemini, Cohere and Bedrock (played by <see cref="RecordedProviderServer"/>).</summary>
public sealed class TranslatingGatewayFixture : IAsyncLifetime
{
    public const string AnthropicKey = "sk-ant-upstream";
    public const string GeminiKey = "goog-upstream";
    public const string CohereKey = "co-upstream";
    public const string BedrockApiKey = "ABSKupstream";

    /// <summary>AWS's documentation example keys: the "bedrock" provider signs with them (SigV4) for <see cref="BedrockRegion"/>.</summary>
    public const string BedrockAccessKeys = "AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    public const string BedrockRegion = "eu-west-3";

    private RecordedProviderServer? _provider;
    private WebApplication? _gateway;

    public Uri GatewayAddress { get; private set; } = null!;

    public HttpClient Http { get; } = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

    internal RecordedProviderServer Provider => _provider!;

    public async Task InitializeAsync()
    {
        _provider = await RecordedProviderServer.StartAsync();
        var upstream = _provider.Address.ToString().TrimEnd('/');
        var config = new Dictionary<string, string?>
        {
            ["MassRouter:ApiKeys:0:Key"] = GatewayFixture.Key,
            ["MassRouter:Providers:anthropic:Kind"] = "anthropic",
            ["MassRouter:Providers:anthropic:BaseUrl"] = upstream + "/v1",
            ["MassRouter:Providers:anthropic:ApiKey"] = AnthropicKey,
            ["MassRouter:Providers:gemini:Kind"] = "gemini",
            ["MassRouter:Providers:gemini:BaseUrl"] = upstream + "/v1beta",
            ["MassRouter:Providers:gemini:ApiKey"] = GeminiKey,
            ["MassRouter:Providers:cohere:Kind"] = "cohere",
            ["MassRouter:Providers:cohere:BaseUrl"] = upstream + "/v2",
            ["MassRouter:Providers:cohere:ApiKey"] = CohereKey,
            ["MassRouter:Models:0:Id"] = "claude",
            ["MassRouter:Models:0:Deployments:0:Provider"] = "anthropic",
            ["MassRouter:Models:0:Deployments:0:Model"] = "claude-sonnet-4-5",
            ["MassRouter:Models:1:Id"] = "gemini",
            ["MassRouter:Models:1:Deployments:0:Provider"] = "gemini",
            ["MassRouter:Models:1:Deployments:0:Model"] = "gemini-2.5-flash",
            ["MassRouter:Models:2:Id"] = "command",
            ["MassRouter:Models:2:Deployments:0:Provider"] = "cohere",
            ["MassRouter:Models:2:Deployments:0:Model"] = "command-r",
            ["MassRouter:Providers:openai:Kind"] = "openai",
            ["MassRouter:Providers:openai:BaseUrl"] = upstream + "/v1",
            ["MassRouter:Providers:openai:ApiKey"] = "sk-upstream",
            ["MassRouter:Models:3:Id"] = "gpt",
            ["MassRouter:Models:3:Deployments:0:Provider"] = "openai",
            ["MassRouter:Models:3:Deployments:0:Model"] = "gpt-4o",
            ["MassRouter:Providers:bedrock:Kind"] = "bedrock",
            ["MassRouter:Providers:bedrock:BaseUrl"] = upstream,
            ["MassRouter:Providers:bedrock:Region"] = BedrockRegion,
            ["MassRouter:Providers:bedrock:ApiKey"] = BedrockAccessKeys,
            ["MassRouter:Providers:bedrock-key:Kind"] = "bedrock",
            ["MassRouter:Providers:bedrock-key:BaseUrl"] = upstream,
            ["MassRouter:Providers:bedrock-key:ApiKey"] = BedrockApiKey,
            ["MassRouter:Models:4:Id"] = "nova",
            ["MassRouter:Models:4:Deployments:0:Provider"] = "bedrock",
            ["MassRouter:Models:4:Deployments:0:Model"] = "us.amazon.nova-micro-v1:0",
            ["MassRouter:Models:5:Id"] = "claude-bedrock",
            ["MassRouter:Models:5:Deployments:0:Provider"] = "bedrock-key",
            ["MassRouter:Models:5:Deployments:0:Model"] = "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        };
        _gateway = await GatewayFixture.StartGatewayAsync(config);
        GatewayAddress = new Uri(_gateway.Urls.First());
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await GatewayFixture.StopAsync(_gateway);
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }
    }

    /// <summary>The official OpenAI SDK pointed at the gateway, replaying <paramref name="fixture"/> upstream.</summary>
    public ChatClient ChatClient(string model, string fixture, string tag)
    {
        var options = new OpenAIClientOptions { Endpoint = new Uri(GatewayAddress, "v1"), NetworkTimeout = TimeSpan.FromSeconds(30) };
        var headers = new Dictionary<string, string> { ["x-sim-fixture"] = fixture, ["x-test-tag"] = tag };
        options.AddPolicy(new HeadersPolicy(headers), System.ClientModel.Primitives.PipelinePosition.PerCall);
        return new OpenAIClient(new ApiKeyCredential(GatewayFixture.Key), options).GetChatClient(model);
    }

    /// <summary>A raw chat-completions request to the gateway.</summary>
    public HttpRequestMessage ChatRequest(string json, string fixture, string tag) =>
        GatewayFixture.ChatRequest(GatewayAddress, json, GatewayFixture.Key, ("x-sim-fixture", fixture), ("x-test-tag", tag));

    /// <summary>A raw chat-completions request to the gateway, answered upstream with the event stream <paramref name="sse"/>.</summary>
    public HttpRequestMessage ChatRequestAnsweredWith(string json, string sse) =>
        GatewayFixture.ChatRequest(GatewayAddress, json, GatewayFixture.Key, ("x-test-sse", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(sse))));

    /// <summary>A raw Anthropic messages request to the gateway.</summary>
    public HttpRequestMessage MessagesRequest(string json, string fixture)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(GatewayAddress, "v1/messages")) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("x-api-key", GatewayFixture.Key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        request.Headers.Add("x-sim-fixture", fixture);
        return request;
    }
}
