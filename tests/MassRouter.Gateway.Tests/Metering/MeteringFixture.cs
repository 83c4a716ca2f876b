using MassRouter.Gateway.Tests.Infrastructure;
using MassRouter.Simulator;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>
/// The provider simulator plus both Redis flavours (a real redis-server and an embedded Garnet), each with two gateway
/// instances; every metering test runs against both (<see cref="Backends"/>).
/// </summary>
public sealed class MeteringFixture : IAsyncLifetime
{
    private WebApplication? _simulator;
    private readonly Dictionary<string, MeteringBackend> _backends = [];

    private static readonly string[] Names = ["redis", "garnet"];

    public static TheoryData<string> Backends { get; } = new(Names);

    public Uri SimulatorAddress { get; private set; } = null!;

    public MeteringBackend this[string name] => _backends[name];

    public async Task InitializeAsync()
    {
        _simulator = SimulatorHost.Build(new SimulatorOptions { FixturesPath = GatewayFixture.FixturesPath }, "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning");
        await _simulator.StartAsync();
        SimulatorAddress = SimulatorHost.GetAddress(_simulator);
        var v1 = new Uri(SimulatorAddress, "v1");
        foreach (var name in Names)
        {
            _backends[name] = await MeteringBackend.StartAsync(name, v1);
        }
    }

    /// <summary>Lets a held simulator response go.</summary>
    public async Task ReleaseAsync(HttpClient http, string holdId)
    {
        using var response = await http.PostAsync(new Uri(SimulatorAddress, "sim/release/" + holdId), null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Completes once the simulator has received the request tagged <paramref name="requestId"/> (it was admitted).</summary>
    public async Task WaitForUpstreamAsync(HttpClient http, string requestId)
    {
        await KeyTests.AssertEventuallyAsync(async () =>
        {
            using var response = await http.GetAsync(new Uri(SimulatorAddress, "sim/requests/" + requestId));
            return response.StatusCode == System.Net.HttpStatusCode.OK;
        }, 10_000);
    }

    public async Task DisposeAsync()
    {
        foreach (var backend in _backends.Values)
        {
            await backend.DisposeAsync();
        }

        if (_simulator is not null)
        {
            await _simulator.StopAsync();
            await _simulator.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class MeteringCollection : ICollectionFixture<MeteringFixture>
{
    public const string Name = "metering";
}
