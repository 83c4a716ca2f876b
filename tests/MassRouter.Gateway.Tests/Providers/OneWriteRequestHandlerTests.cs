using System.Net;
using System.Net.Sockets;
using System.Text;
using MassRouter.Gateway.Providers;

namespace MassRouter.Gateway.Tests.Providers;

public class OneWriteRequestHandlerTests
{
    private const string Body = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello there"}]}""";

    [Fact]
    public async Task HeadersAndBody_ReachTheProviderInOneWrite_WithTheirContentHeaders()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var invoker = new HttpMessageInvoker(new OneWriteRequestHandler(new SocketsHttpHandler { UseProxy = false }));

        const int Requests = 5;
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var buffer = new byte[64 * 1024];
            var firstReads = new List<string>();
            for (var i = 0; i < Requests; i++)
            {
                // The first read after the request starts arriving: with one write it holds the whole request.
                var read = await stream.ReadAsync(buffer);
                firstReads.Add(Encoding.ASCII.GetString(buffer, 0, read));
                while (!Encoding.ASCII.GetString(buffer, 0, read).EndsWith(Body, StringComparison.Ordinal))
                {
                    // The rest of a request that came in pieces (what the handler prevents), before answering it.
                    var more = await stream.ReadAsync(buffer.AsMemory(read));
                    Assert.True(more > 0, "The connection closed mid-request.");
                    read += more;
                }

                var reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray();
                await stream.WriteAsync(reply);
            }

            return firstReads;
        });

        for (var i = 0; i < Requests; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/v1/chat/completions")
            {
                Content = new EarlyFlushingContent(Encoding.UTF8.GetBytes(Body)),
            };
            using var response = await invoker.SendAsync(request, CancellationToken.None);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        foreach (var first in await server.WaitAsync(TimeSpan.FromSeconds(30)))
        {
            var split = first.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            Assert.True(split > 0, first);
            Assert.Equal(Body, first[(split + 4)..]);
            Assert.Contains($"Content-Length: {Encoding.UTF8.GetByteCount(Body)}\r\n", first, StringComparison.Ordinal);
            Assert.Contains("Content-Type: application/json\r\n", first, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Like the forwarder's own content: flushes the headers before it writes the body; the pause makes the early flush
    /// visible (the provider reads the headers alone) unless the handler drops it.
    /// </summary>
    private sealed class EarlyFlushingContent : HttpContent
    {
        private readonly byte[] _body;

        public EarlyFlushingContent(byte[] body)
        {
            _body = body;
            Headers.ContentLength = body.Length;
            Headers.TryAddWithoutValidation("Content-Type", "application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.FlushAsync();
            await Task.Delay(30);
            await stream.WriteAsync(_body);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _body.Length;
            return true;
        }
    }
}
