using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using MassRouter.Gateway.Tests.Infrastructure;

namespace MassRouter.Gateway.Tests.Forwarding;

/// <summary>
/// A large non-streamed answer is relayed as it arrives; when the provider's connection ends before the answer does,
/// the client's response ends abruptly too, never as a shorter body that looks whole.
/// </summary>
public sealed class LargeAnswerCutTests
{
    private const int AnnouncedBytes = 3_000_000;
    private const int SentBytes = 2_000_000;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ProviderCutOffMidAnswer_CutsTheClientsResponse_AndTheGatewayServesOn(bool chunked)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var provider = ServeCutAnswersAsync(listener, chunked);
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var gateway = await GatewayFixture.StartGatewayAsync(new Dictionary<string, string?>
        {
            ["MassRouter:ApiKeys:0:Key"] = GatewayFixture.Key,
            ["MassRouter:Providers:cutter:BaseUrl"] = $"http://127.0.0.1:{port}/v1",
            ["MassRouter:Models:0:Id"] = "test/cut",
            ["MassRouter:Models:0:Deployments:0:Provider"] = "cutter",
            ["MassRouter:Resilience:MaxAttempts"] = "1",
        });
        try
        {
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
            var address = new Uri(gateway.Urls.First());
            for (var i = 0; i < 2; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, "v1/embeddings"))
                {
                    Content = new StringContent("""{"model":"test/cut","input":"x"}""", Encoding.UTF8, "application/json"),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayFixture.Key);
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(chunked ? null : AnnouncedBytes, response.Content.Headers.ContentLength);
                var received = 0L;
                var failure = await Record.ExceptionAsync(async () =>
                {
                    await using var body = await response.Content.ReadAsStreamAsync();
                    var buffer = new byte[64 * 1024];
                    int read;
                    while ((read = await body.ReadAsync(buffer)) > 0)
                    {
                        received += read;
                    }
                });

                Assert.True(failure is HttpRequestException or IOException, $"{received} bytes, then {failure?.GetType().Name ?? "a clean end"}");
                Assert.InRange(received, 1, SentBytes);
            }
        }
        finally
        {
            await GatewayFixture.StopAsync(gateway);
            listener.Stop();
            await Task.WhenAny(provider, Task.Delay(TimeSpan.FromSeconds(5)));
        }
    }

    /// <summary>
    /// Answers every request with a 200 that announces more bytes than it sends (or, <paramref name="chunked"/>, sends one
    /// chunk and no last chunk), then closes the connection.
    /// </summary>
    private static async Task ServeCutAnswersAsync(TcpListener listener, bool chunked)
    {
        var filler = Encoding.ASCII.GetBytes("{\"object\":\"list\",\"data\":[" + new string('1', SentBytes));
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync();
                var stream = client.GetStream();
                await ReadRequestAsync(stream);
                var framing = chunked ? $"Transfer-Encoding: chunked\r\n\r\n{SentBytes:x}\r\n" : $"Content-Length: {AnnouncedBytes}\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + framing));
                await stream.WriteAsync(filler.AsMemory(0, SentBytes));
                client.Client.Shutdown(SocketShutdown.Both);
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException or IOException)
        {
            // The listener stopped.
        }
    }

    private static async Task ReadRequestAsync(NetworkStream stream)
    {
        // The headers, then the body by its Content-Length (the gateway always sends one).
        var data = new List<byte>();
        var buffer = new byte[4096];
        int end;
        while ((end = IndexOfHeadersEnd(data)) < 0)
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                return;
            }

            data.AddRange(buffer.AsSpan(0, read));
        }

        var headers = Encoding.ASCII.GetString(data.ToArray(), 0, end);
        var length = headers.Split("\r\n")
            .Where(line => line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            .Select(line => int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture))
            .SingleOrDefault();
        var remaining = length - (data.Count - end - 4);
        while (remaining > 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, Math.Min(buffer.Length, remaining)));
            if (read == 0)
            {
                return;
            }

            remaining -= read;
        }
    }

    private static int IndexOfHeadersEnd(List<byte> data)
    {
        for (var i = 3; i < data.Count; i++)
        {
            if (data[i - 3] == '\r' && data[i - 2] == '\n' && data[i - 1] == '\r' && data[i] == '\n')
            {
                return i - 3;
            }
        }

        return -1;
    }
}
