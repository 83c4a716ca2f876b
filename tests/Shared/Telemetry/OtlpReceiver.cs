using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace MassRouter.Tests.Telemetry;

/// <summary>A span as an OTLP collector received it.</summary>
internal sealed record ReceivedSpan(
    string Name,
    int Kind,
    string TraceId,
    string SpanId,
    string ParentSpanId,
    IReadOnlyDictionary<string, object> Attributes,
    IReadOnlyList<string> Events,
    int StatusCode,
    IReadOnlyDictionary<string, object> Resource)
{
    public const int Server = 2;
    public const int Client = 3;
    public const int StatusError = 2;

    public object? this[string attribute] => Attributes.GetValueOrDefault(attribute);
}

/// <summary>
/// An OTLP/HTTP trace collector on loopback (<c>POST /v1/traces</c>, protobuf): what the gateway's exporter sends is
/// decoded from the wire, as a collector would, so the tests see the spans that would reach a tracing backend.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    // System.Net's own listener, not ASP.NET Core: a Kestrel app in this process would make a server span of every
    // export, which the gateway's tracer (listening process-wide) would export in turn.
    private readonly HttpListener _listener;
    private readonly Task _serving;
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();

    private OtlpReceiver(HttpListener listener, Uri address)
    {
        _listener = listener;
        Address = address;
        _serving = Task.Run(ServeAsync);
    }

    public Uri Address { get; }

    public IReadOnlyCollection<ReceivedSpan> Spans => _spans;

    public static Task<OtlpReceiver> StartAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var address = new Uri($"http://127.0.0.1:{port}/");
            var listener = new HttpListener();
            listener.Prefixes.Add(address.ToString());
            try
            {
                listener.Start();
                return Task.FromResult(new OtlpReceiver(listener, address));
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                // The free port was taken in between: another one.
                listener.Close();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Close();
        await _serving.ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            if (context.Request.HttpMethod == "POST" && context.Request.Url?.AbsolutePath == "/v1/traces")
            {
                foreach (var span in Decode(body.ToArray()))
                {
                    _spans.Enqueue(span);
                }

                // An empty ExportTraceServiceResponse: everything accepted.
                context.Response.ContentType = "application/x-protobuf";
            }
            else
            {
                context.Response.StatusCode = 404;
            }

            context.Response.Close();
        }
    }

    /// <summary>The spans of an <c>ExportTraceServiceRequest</c> (opentelemetry-proto's trace/v1 and common/v1 field numbers).</summary>
    internal static IEnumerable<ReceivedSpan> Decode(byte[] request)
    {
        var spans = new List<ReceivedSpan>();
        foreach (var (_, resourceSpans) in Fields(request, 1))
        {
            var resource = new Dictionary<string, object>();
            foreach (var (_, r) in Fields(resourceSpans, 1))
            {
                ReadAttributes(r, 1, resource);
            }

            foreach (var (_, scopeSpans) in Fields(resourceSpans, 2))
            {
                foreach (var (_, span) in Fields(scopeSpans, 2))
                {
                    spans.Add(ReadSpan(span, resource));
                }
            }
        }

        return spans;
    }

    private static ReceivedSpan ReadSpan(byte[] span, Dictionary<string, object> resource)
    {
        string name = "", traceId = "", spanId = "", parent = "";
        var kind = 0;
        var status = 0;
        var attributes = new Dictionary<string, object>();
        var events = new List<string>();
        foreach (var (field, value) in Fields(span, 0))
        {
            switch (field)
            {
                case 1: traceId = Convert.ToHexStringLower(value); break;
                case 2: spanId = Convert.ToHexStringLower(value); break;
                case 4: parent = Convert.ToHexStringLower(value); break;
                case 5: name = System.Text.Encoding.UTF8.GetString(value); break;
                case 6: kind = (int)ReadVarint(value, 0, out _); break;
                case 11: events.AddRange(Fields(value, 2).Select(e => System.Text.Encoding.UTF8.GetString(e.Value))); break;
                case 15: status = Fields(value, 3).Select(s => (int)ReadVarint(s.Value, 0, out _)).LastOrDefault(); break;
            }
        }

        ReadAttributes(span, 9, attributes);
        return new ReceivedSpan(name, kind, traceId, spanId, parent, attributes, events, status, resource);
    }

    private static void ReadAttributes(byte[] message, int field, Dictionary<string, object> into)
    {
        foreach (var (_, pair) in Fields(message, field))
        {
            var key = Fields(pair, 1).Select(k => System.Text.Encoding.UTF8.GetString(k.Value)).Single();
            var any = Fields(pair, 2).Select(v => v.Value).Single();
            var (kind, value) = Fields(any, 0).Single();
            into[key] = kind switch
            {
                1 => System.Text.Encoding.UTF8.GetString(value),
                2 => ReadVarint(value, 0, out _) != 0,
                3 => (long)ReadVarint(value, 0, out _),
                4 => BitConverter.ToDouble(value),
                _ => value,
            };
        }
    }

    /// <summary>
    /// The fields of a protobuf message numbered <paramref name="only"/> (0: all), each value as its bytes: a
    /// length-delimited field's content, a varint's own encoding, a fixed field's little-endian bytes.
    /// </summary>
    private static IEnumerable<(int Field, byte[] Value)> Fields(byte[] message, int only)
    {
        var fields = new List<(int, byte[])>();
        var at = 0;
        while (at < message.Length)
        {
            var tag = ReadVarint(message, at, out at);
            var field = (int)(tag >> 3);
            byte[] value;
            switch (tag & 7)
            {
                case 0:
                    var start = at;
                    ReadVarint(message, at, out at);
                    value = message[start..at];
                    break;
                case 1:
                    value = message[at..(at + 8)];
                    at += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message, at, out at);
                    value = message[at..(at + length)];
                    at += length;
                    break;
                case 5:
                    value = message[at..(at + 4)];
                    at += 4;
                    break;
                default:
                    throw new InvalidDataException($"Wire type {tag & 7} is not OTLP's.");
            }

            if (only == 0 || field == only)
            {
                fields.Add((field, value));
            }
        }

        return fields;
    }

    private static ulong ReadVarint(byte[] bytes, int at, out int next)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = bytes[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                next = at;
                return value;
            }
        }
    }
}
