using System.Net;
using System.Net.Sockets;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Providers;

namespace MassRouter.Gateway.Tests.Providers;

public class ProviderEndpointTests
{
    [Fact]
    public async Task IdleConnection_IsClosedAfterTheProvidersPooledConnectionIdleTimeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var endpoint = new ProviderEndpoint("idle", new ProviderOptions
        {
            Kind = "openai",
            BaseUrl = $"http://127.0.0.1:{port}/v1",
            PooledConnectionIdleTimeout = TimeSpan.FromMilliseconds(300),
        });

        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var buffer = new byte[16 * 1024];
            _ = await stream.ReadAsync(buffer);
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray());

            // The pool closes the connection once it has been idle for the provider's timeout (the default keeps it 2 minutes).
            var closedAfter = System.Diagnostics.Stopwatch.StartNew();
            return await stream.ReadAsync(buffer) == 0 ? closedAfter.Elapsed : TimeSpan.MaxValue;
        });

        using (var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/v1/models"))
        using (var response = await endpoint.Invoker.SendAsync(request, CancellationToken.None))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        }

        var closed = await server.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.True(closed < TimeSpan.FromSeconds(10), $"closed after {closed}");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2 * 24 * 3600)]
    public void PooledConnectionIdleTimeout_OutOfRange_IsRejected(int seconds)
    {
        var options = new GatewayOptions();
        options.Providers["p"] = new ProviderOptions { Kind = "openai", BaseUrl = "http://127.0.0.1:1/v1", PooledConnectionIdleTimeout = TimeSpan.FromSeconds(seconds) };

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("PooledConnectionIdleTimeout", result.FailureMessage, StringComparison.Ordinal);
    }
}
