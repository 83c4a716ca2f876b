using MassRouter.Simulator;

namespace MassRouter.Gateway.Embedded;

/// <summary>
/// The embedded default's provider: the simulator hosted in this process on a loopback port, registered as provider
/// <c>sim</c> with <c>sim/...</c> models, so the gateway works with no external service.
/// </summary>
internal sealed class EmbeddedSimulator(WebApplication simulator) : IHostedService, IAsyncDisposable
{
    public const string ProviderName = "sim";

    /// <summary>The public models the embedded simulator serves, and the upstream model each maps to.</summary>
    public static readonly (string Id, string UpstreamModel)[] Models =
    [
        ("sim/openai", "sim-gpt"),
    ];

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

        var config = new Dictionary<string, string?>
        {
            [$"MassRouter:Providers:{ProviderName}:Kind"] = "openai",
            [$"MassRouter:Providers:{ProviderName}:BaseUrl"] = new Uri(address, "v1").ToString(),
        };
        var next = builder.Configuration.GetSection("MassRouter:Models").GetChildren().Count();
        foreach (var (id, upstream) in Models)
        {
            config[$"MassRouter:Models:{next}:Id"] = id;
            config[$"MassRouter:Models:{next}:Deployments:0:Provider"] = ProviderName;
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
