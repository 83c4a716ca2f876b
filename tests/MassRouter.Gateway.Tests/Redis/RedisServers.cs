using MassRouter.Gateway.Redis;
using MassRouter.Gateway.Tests.Metering;

namespace MassRouter.Gateway.Tests.Redis;

/// <summary>A real redis-server and an embedded Garnet for a test class, addressed by name ("redis-server", "garnet").</summary>
public sealed class RedisServers : IAsyncLifetime
{
    private RedisServerProcess? _redis;
    private EmbeddedGarnet? _garnet;

    public static TheoryData<string> Names => ["redis-server", "garnet"];

    public int Port(string server) => server == "garnet" ? _garnet!.Port : _redis!.Port;

    public async Task InitializeAsync()
    {
        _redis = await RedisServerProcess.StartAsync();
        _garnet = EmbeddedGarnet.Start();
    }

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        _garnet?.Dispose();
    }
}
