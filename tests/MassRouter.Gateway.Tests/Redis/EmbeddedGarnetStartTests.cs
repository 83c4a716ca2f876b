using System.Net;
using System.Net.Sockets;
using MassRouter.Gateway.Redis;
using StackExchange.Redis;

namespace MassRouter.Gateway.Tests.Redis;

/// <summary>The embedded Garnet's port: a free port taken by someone else before Garnet binds it is given up for another.</summary>
public class EmbeddedGarnetStartTests
{
    [Fact]
    public async Task APortTakenMeanwhile_IsGivenUp_ForTheNext()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var busy = ((IPEndPoint)taken.LocalEndpoint).Port;
        var offered = new Queue<int>([busy, Free()]);

        using var garnet = EmbeddedGarnet.Start("16m", offered.Dequeue);

        Assert.NotEqual(busy, garnet.Port);
        Assert.Empty(offered);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString);
        Assert.Equal("PONG", (string?)await redis.GetDatabase().ExecuteAsync("PING"));
    }

    [Fact]
    public void APortAlwaysTaken_FailsLoudly_AfterAFewTries()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var busy = ((IPEndPoint)taken.LocalEndpoint).Port;
        var tries = 0;

        var failure = Assert.ThrowsAny<Exception>(() => EmbeddedGarnet.Start("16m", () => { tries++; return busy; }));

        Assert.Equal(5, tries);
        Assert.IsType<SocketException>(failure.InnerException);
    }

    private static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
