using System.Globalization;
using MassRouter.Gateway;
using MassRouter.Simulator;

namespace MassRouter.LoadTests.Tests;

/// <summary>
/// The smallest rig the scenarios run against: a provider simulator and a gateway (auth on, two providers, two models,
/// three keys) in this process on loopback ports, and a scratch folder for the reports.
/// </summary>
public sealed class LoopbackRig : IAsyncLifetime
{
    public static readonly string[] Keys = ["sk-load-1", "sk-load-2", "sk-load-3"];

    private WebApplication? _simulator;
    private WebApplication? _gateway;

    public Uri SimulatorAddress { get; private set; } = null!;

    public Uri GatewayAddress { get; private set; } = null!;

    public string Output { get; } = Directory.CreateTempSubdirectory("massrouter-loadtests-").FullName;

    /// <summary>The gateway as a target spec: this process is the one whose RSS and CPU get sampled.</summary>
    public string GatewayTarget => string.Create(
        CultureInfo.InvariantCulture,
        $"name=massrouter;url={GatewayAddress};pid={Environment.ProcessId};model=bench;header=Authorization: Bearer {Keys[0]};metrics={new Uri(GatewayAddress, "metrics")}");

    public string DirectTarget => string.Create(CultureInfo.InvariantCulture, $"name=direct;url={SimulatorAddress};pid={Environment.ProcessId};model=bench");

    public async Task InitializeAsync()
    {
        _simulator = SimulatorHost.Build(new SimulatorOptions(), "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning");
        await _simulator.StartAsync();
        SimulatorAddress = SimulatorHost.GetAddress(_simulator);
        var upstream = new Uri(SimulatorAddress, "v1").ToString();
        var config = new Dictionary<string, string?>
        {
            ["MassRouter:Providers:sim:BaseUrl"] = upstream,
            ["MassRouter:Providers:sim-b:BaseUrl"] = upstream,
            ["MassRouter:Models:0:Id"] = "bench",
            ["MassRouter:Models:0:Deployments:0:Provider"] = "sim",
            ["MassRouter:Models:1:Id"] = "bench-b",
            ["MassRouter:Models:1:Deployments:0:Provider"] = "sim-b",

            // The failover scenario's model: faults steered at the first deployment; the fallback drops the fault header.
            // The scenarios that inject faults have providers of their own (the same simulator): a circuit their faults
            // open must not turn the next scenario's requests into 503s.
            ["MassRouter:Providers:flaky:BaseUrl"] = upstream,
            ["MassRouter:Providers:healthy:BaseUrl"] = upstream,
            ["MassRouter:Providers:healthy:Headers:x-sim-fault"] = "",
            ["MassRouter:Models:2:Id"] = "bench-failover",
            ["MassRouter:Models:2:Deployments:0:Provider"] = "flaky",
            ["MassRouter:Models:2:Deployments:1:Provider"] = "healthy",
            ["MassRouter:Providers:faulty:BaseUrl"] = upstream,
            ["MassRouter:Models:3:Id"] = "bench-faults",
            ["MassRouter:Models:3:Deployments:0:Provider"] = "faulty",
        };
        for (var i = 0; i < Keys.Length; i++)
        {
            config[$"MassRouter:ApiKeys:{i}:Key"] = Keys[i];
        }

        _gateway = await GatewayHost.BuildAsync(
            ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"],
            builder => builder.Configuration.AddInMemoryCollection(config));
        await _gateway.StartAsync();
        GatewayAddress = new Uri(_gateway.Urls.First());
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }

        Directory.Delete(Output, recursive: true);
    }
}
