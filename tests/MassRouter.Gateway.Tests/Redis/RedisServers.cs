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

    /// <summary>Waits (up to 15 s) until <paramref name="pipeline"/> has (re)connected.</summary>
    internal static async Task WaitUsableAsync(RespPipeline pipeline)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!pipeline.IsUsable)
        {
            Assert.True(DateTime.UtcNow < deadline, "the pipeline did not (re)connect within 15 s");
            await Task.Delay(20);
        }
    }

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
