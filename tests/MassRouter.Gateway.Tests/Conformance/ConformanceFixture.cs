using System.ClientModel;
using MassRouter.Gateway.Tests.Infrastructure;
using MassRouter.Tests.Sdk;
using OpenAI;
using OpenAI.Chat;

namespace MassRouter.Gateway.Tests.Conformance;

/// <summary>
/// The simulator and a gateway with one provider per translated wire format, each pointed at the simulator's versioned
/// API root (as the embedded default does), so any recorded fixture can be replayed through the gateway.
/// </summary>
public sealed class ConformanceFixture : GatewayFixture
{
    /// <summary>Public model per fixture folder, and the codec kind that names its expected outputs.</summary>
    public static readonly IReadOnlyDictionary<string, (string Model, string Kind)> Folders = new Dictionary<string, (string, string)>
    {
        ["anthropic"] = ("conformance/anthropic", "anthropic"),
        ["google"] = ("conformance/gemini", "gemini"),
        ["cohere"] = ("conformance/cohere", "cohere"),
    };

    /// <summary>The upstream model of each provider kind's deployment.</summary>
    public static readonly IReadOnlyDictionary<string, string> UpstreamModels = new Dictionary<string, string>
    {
        ["anthropic"] = "claude-sonnet-4-5",
        ["gemini"] = "gemini-2.5-flash",
        ["cohere"] = "command-a-03-2025",
    };

    private static readonly Dictionary<string, string> _basePaths = new() { ["anthropic"] = "v1", ["gemini"] = "v1beta", ["cohere"] = "v2" };

    protected override void AddConfiguration(IDictionary<string, string?> config)
    {
        var next = 6; // after GatewayFixture's models
        foreach (var (kind, upstream) in UpstreamModels)
        {
            var basePath = _basePaths[kind];
            config[$"MassRouter:Providers:conformance-{kind}:Kind"] = kind;
            config[$"MassRouter:Providers:conformance-{kind}:BaseUrl"] = new Uri(SimulatorAddress, basePath).ToString();
            config[$"MassRouter:Providers:conformance-{kind}:ApiKey"] = UpstreamCredential;
            config[$"MassRouter:Models:{next}:Id"] = "conformance/" + kind;
            config[$"MassRouter:Models:{next}:Deployments:0:Provider"] = "conformance-" + kind;
            config[$"MassRouter:Models:{next}:Deployments:0:Model"] = upstream;
            next++;
        }
    }

    /// <summary>
    /// The official OpenAI SDK pointed at the gateway, asking the simulator to replay <paramref name="fixture"/>; the
    /// raw bytes of a streamed response are copied to <paramref name="capture"/> for what the SDK does not expose.
    /// </summary>
    internal ChatClient ReplayClient(string model, string fixture, RawCapturePolicy capture)
    {
        var options = new OpenAIClientOptions { Endpoint = new Uri(GatewayAddress, "v1"), NetworkTimeout = TimeSpan.FromSeconds(30) };
        options.AddPolicy(new HeadersPolicy(new Dictionary<string, string> { ["x-sim-fixture"] = fixture }), System.ClientModel.Primitives.PipelinePosition.PerCall);
        options.AddPolicy(capture, System.ClientModel.Primitives.PipelinePosition.PerCall);
        options.RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(maxRetries: 0);
        return new OpenAIClient(new ApiKeyCredential(Key), options).GetChatClient(model);
    }
}
