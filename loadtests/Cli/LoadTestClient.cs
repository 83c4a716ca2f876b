using System.Net;

namespace MassRouter.LoadTests.Cli;

/// <summary>The generator's HTTP client: one pool, no connection cap, no proxy, cookies, decompression or trace headers.</summary>
internal static class LoadTestClient
{
    public static HttpClient Create() => new(
        new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            ActivityHeadersPropagator = null,
        },
        disposeHandler: true)
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };
}
