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
        using (var response = await endpoint.Connections.Acquire().SendAsync(request, CancellationToken.None))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        }

        var closed = await server.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.True(closed < TimeSpan.FromSeconds(10), $"closed after {closed}");
    }

    [Theory]
    [InlineData("openai", "https://api.openai.com/v1", null, null, "https://api.openai.com/v1/responses")]
    [InlineData("openai", "https://API.OpenAI.com/v1/", null, null, "https://API.OpenAI.com/v1/responses")]
    [InlineData("openai", "https://api.openai.com/v1", null, false, null)]
    [InlineData("openai", "https://api.groq.com/openai/v1", null, null, null)]
    [InlineData("openai", "http://vllm:8000/v1", null, true, "http://vllm:8000/v1/responses")]
    [InlineData("openai", "https://res.openai.azure.com", "azure", true, "https://res.openai.azure.com/openai/v1/responses")]
    [InlineData("openai", "https://res.openai.azure.com", "azure", null, null)]
    [InlineData("anthropic", "https://api.anthropic.com/v1", null, null, null)]
    public void TheResponsesApi_IsOpenAIsOwnByDefault_ElseWhatTheProviderSays(string kind, string baseUrl, string? flavor, bool? responses, string? expected)
    {
        using var endpoint = new ProviderEndpoint("p", new ProviderOptions { Kind = kind, BaseUrl = baseUrl, Flavor = flavor, ApiVersion = "2025-04-01-preview", Responses = responses });

        Assert.Equal(expected, endpoint.ResponsesUrl);
        Assert.Equal(expected is not null, endpoint.SpeaksResponses);
    }

    [Fact]
    public void Requests_BeyondTheWarmLimit_TakeTheBurstPool_UntilAWarmOneEnds()
    {
        using var connections = new ProviderConnections(new ProviderOptions { WarmConnections = 2 });

        var first = connections.Acquire();
        var second = connections.Acquire();
        var third = connections.Acquire();
        Assert.Same(first, second);
        Assert.NotSame(first, third);
        Assert.Equal(2, connections.WarmInFlight);

        connections.Release(third);
        Assert.Equal(2, connections.WarmInFlight);
        connections.Release(first);
        Assert.Equal(1, connections.WarmInFlight);
        Assert.Same(second, connections.Acquire());
    }

    [Fact]
    public void ConnectionCap_AtTheWarmLimit_LeavesNoBurstPool()
    {
        using var connections = new ProviderConnections(new ProviderOptions { WarmConnections = 2, MaxConnectionsPerServer = 2 });

        var warm = connections.Acquire();
        Assert.Same(warm, connections.Acquire());
        Assert.Same(warm, connections.Acquire());
    }

    [Fact]
    public async Task AfterABurst_TheBurstConnectionCloses_AndTheWarmOneStays()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var endpoint = new ProviderEndpoint("burst", new ProviderOptions
        {
            Kind = "openai",
            BaseUrl = $"http://127.0.0.1:{port}/v1",
            WarmConnections = 1,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            BurstConnectionIdleTimeout = TimeSpan.FromMilliseconds(300),
        });

        // Two requests at once: the second is beyond the warm limit. The server answers once both have arrived, so
        // they hold two connections, then watches each connection for its close.
        var bothArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = 0;
        var clients = new List<TcpClient>();
        async Task<TimeSpan> ServeAsync()
        {
            var client = await listener.AcceptTcpClientAsync();
            lock (clients)
            {
                clients.Add(client);
            }

            var stream = client.GetStream();
            var buffer = new byte[16 * 1024];
            _ = await stream.ReadAsync(buffer);
            if (Interlocked.Increment(ref arrived) == 2)
            {
                bothArrived.SetResult();
            }

            await bothArrived.Task;
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray());
            var since = System.Diagnostics.Stopwatch.StartNew();
            return await stream.ReadAsync(buffer) == 0 ? since.Elapsed : TimeSpan.MaxValue;
        }

        var served = new[] { Task.Run(ServeAsync), Task.Run(ServeAsync) };
        async Task SendAsync()
        {
            var connections = endpoint.Connections;
            var invoker = connections.Acquire();
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/v1/models");
                using var response = await invoker.SendAsync(request, CancellationToken.None);
                Assert.Equal("ok", await response.Content.ReadAsStringAsync());
            }
            finally
            {
                connections.Release(invoker);
            }
        }

        await Task.WhenAll(SendAsync(), SendAsync()).WaitAsync(TimeSpan.FromSeconds(10));

        try
        {
            // One connection closes after the burst pool's timeout (plus the pool's scavenging period); the warm one is
            // still open well after that.
            var first = await Task.WhenAny(served).WaitAsync(TimeSpan.FromSeconds(15));
            Assert.True(await first < TimeSpan.FromSeconds(10), $"closed after {await first}");
            var other = served.Single(t => t != first);
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.False(other.IsCompleted, "the warm connection was closed too");
        }
        finally
        {
            lock (clients)
            {
                clients.ForEach(c => c.Dispose());
            }
        }
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

    [Theory]
    [InlineData(0, 5, "WarmConnections")]
    [InlineData(100, -1, "BurstConnectionIdleTimeout")]
    public void BurstPoolSettings_OutOfRange_AreRejected(int warm, int burstSeconds, string setting)
    {
        var options = new GatewayOptions();
        options.Providers["p"] = new ProviderOptions
        {
            Kind = "openai",
            BaseUrl = "http://127.0.0.1:1/v1",
            WarmConnections = warm,
            BurstConnectionIdleTimeout = TimeSpan.FromSeconds(burstSeconds),
        };

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(setting, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("anthropic", true, false)]
    [InlineData("anthropic", false, true)]
    [InlineData("openai", true, true)]
    public void Responses_IsAnOpenAIKindSetting(string kind, bool responses, bool valid)
    {
        var options = new GatewayOptions();
        options.Providers["p"] = new ProviderOptions { Kind = kind, BaseUrl = "http://127.0.0.1:1/v1", Responses = responses };

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("Responses applies to the openai kind only", result.FailureMessage, StringComparison.Ordinal);
        }
    }
}
