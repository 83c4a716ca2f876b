using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Garnet;

namespace MassRouter.Gateway.Redis;

/// <summary>
/// An in-process Garnet server on a free loopback port with Lua on and a small memory budget: the embedded default's
/// stand-in for Redis (same client, same scripts). Nothing is persisted.
/// </summary>
internal sealed class EmbeddedGarnet : IDisposable
{
    private readonly GarnetServer _server;

    private EmbeddedGarnet(GarnetServer server, int port)
    {
        _server = server;
        Port = port;
    }

    public int Port { get; }

    /// <summary>StackExchange.Redis connection string for this server.</summary>
    public string ConnectionString => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    public static EmbeddedGarnet Start(string memory = "64m") => Start(memory, FreePort);

    /// <summary>
    /// Starts on a port from <paramref name="ports"/>: a just-released ephemeral port is free in practice, but another
    /// process (or test) may take it before Garnet binds it, so a port found taken is given up for the next one (a few
    /// tries; then the clash fails loudly).
    /// </summary>
    internal static EmbeddedGarnet Start(string memory, Func<int> ports)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = ports();
            var server = new GarnetServer(
            [
                "--bind", "127.0.0.1",
                "--port", port.ToString(CultureInfo.InvariantCulture),
                "--lua",
                // Without it Garnet runs a script without locking its keys: admission and settlement would not be atomic.
                "--lua-transaction-mode", "true",
                "--memory", memory,
                "--page", "1m",
                "--index", "1m",
                "--logger-level", "Warning",

                // Quiet: no version banner and text art on the gateway's console.
                "-q",
            ]);
            try
            {
                server.Start();
                return new EmbeddedGarnet(server, port);
            }
            catch (Exception e) when (attempt < 5 && e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                server.Dispose();
            }
        }
    }

    public void Dispose() => _server.Dispose();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
