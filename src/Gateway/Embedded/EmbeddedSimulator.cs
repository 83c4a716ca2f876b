using MassRouter.Simulator;

namespace MassRouter.Gateway.Embedded;

/// <summary>
/// The embedded default's providers: the simulator hosted in this process on a loopback port, registered once per wire
/// format it speaks (<c>sim</c> for OpenAI, <c>sim-anthropic</c>, <c>sim-gemini</c>, <c>sim-cohere</c>, <c>sim-bedrock</c>) with one
/// <c>sim/...</c> model each, so every translation can be tried with no provider account, <c>sim/embedding</c> for
/// <c>/v1/embeddings</c>, and <c>sim/responses</c> on <c>sim-responses</c>, which serves OpenAI's Responses API itself (as
/// OpenAI's own API does: native passthrough, stored responses, conversations).
/// </summary>
internal sealed class EmbeddedSimulator(WebApplication simulator) : IHostedService, IAsyncDisposable
{
    public const string ProviderName = "sim";

    /// <summary>
    /// The public models the embedded simulator serves: provider name and kind, the path under the simulator's address that
    /// is the provider's base URL (the versioned API root, as for OpenAI's <c>/v1</c>; Bedrock's is the root itself), and the upstream model.
    /// </summary>
    public static readonly (string Id, string Provider, string Kind, string BasePath, string UpstreamModel)[] Models =
    [
        ("sim/openai", ProviderName, "openai", "v1", "sim-gpt"),
        ("sim/anthropic", "sim-anthropic", "anthropic", "v1", "sim-claude"),
        ("sim/gemini", "sim-gemini", "gemini", "v1beta", "sim-gemini"),
        ("sim/cohere", "sim-cohere", "cohere", "v2", "sim-command"),
        ("sim/bedrock", "sim-bedrock", "bedrock", "", "sim.nova-v1:0"),
        ("sim/embedding", ProviderName, "openai", "v1", "sim-embedding"),
        ("sim/responses", ResponsesProviderName, "openai", "v1", "sim-gpt"),
    ];

    /// <summary>The simulator's OpenAI endpoint registered as serving the Responses API itself.</summary>
    public const string ResponsesProviderName = "sim-responses";

    /// <summary>Starts the simulator and adds it to the configuration as a provider with its models.</summary>
    public static async Task<EmbeddedSimulator> StartAsync(WebApplicationBuilder builder, string? fixturesPath)
    {
        var app = SimulatorHost.Build(
            new SimulatorOptions { FixturesPath = fixturesPath ?? FindFixtures() },
            "--urls",
            "http://127.0.0.1:0",
            "--Logging:LogLevel:Default=Warning");
        await app.StartAsync();
        var address = SimulatorHost.GetAddress(app);

        var config = new Dictionary<string, string?>();
        var next = builder.Configuration.GetSection("MassRouter:Models").GetChildren().Count();
        foreach (var (id, provider, kind, basePath, upstream) in Models)
        {
            config[$"MassRouter:Providers:{provider}:Kind"] = kind;
            config[$"MassRouter:Providers:{provider}:BaseUrl"] = new Uri(address, basePath).ToString();
            if (provider == ResponsesProviderName)
            {
                config[$"MassRouter:Providers:{provider}:Responses"] = "true";
            }

            config[$"MassRouter:Models:{next}:Id"] = id;
            config[$"MassRouter:Models:{next}:Deployments:0:Provider"] = provider;
            config[$"MassRouter:Models:{next}:Deployments:0:Model"] = upstream;
            next++;
        }

        builder.Configuration.AddInMemoryCollection(config);
        return new EmbeddedSimulator(app);
    }

    /// <summary>The recorded fixtures of the repository, when the gateway runs from a checkout.</summary>
    private static string? FindFixtures()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "fixtures", "providers");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => simulator.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => simulator.DisposeAsync();
}
