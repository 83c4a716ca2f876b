namespace MassRouter.Gateway.Providers;

/// <summary>
/// Sends a request's headers and its (small, fully known) body in one write: the forwarder flushes the headers on
/// their own before it copies the body, which costs a system call and a TCP segment per request and hands the provider
/// a request in two halves.
/// </summary>
internal sealed class OneWriteRequestHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    /// <summary>Bodies up to this size are coalesced with their headers (a chat request is a few kB).</summary>
    public const long MaxCoalescedBytes = 256 * 1024;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is { } content && content.Headers.ContentLength is { } length and <= MaxCoalescedBytes)
        {
            request.Content = new CoalescedContent(content, length);
        }

        return base.SendAsync(request, cancellationToken);
    }

    private sealed class CoalescedContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly long _length;

        public CoalescedContent(HttpContent inner, long length)
        {
            _inner = inner;
            _length = length;
            foreach (var header in inner.Headers.NonValidated)
            {
                // Value by value: the IEnumerable<string> overload boxes the values and their enumerator per request.
                foreach (var value in header.Value)
                {
                    Headers.TryAddWithoutValidation(header.Key, value);
                }
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context, CancellationToken cancellationToken)
        {
            // The inner content's flushes (the early one, for the headers) are dropped; the connection's buffer goes out once.
            await _inner.CopyToAsync(new FlushlessStream(stream), context, cancellationToken);
            await stream.FlushAsync(cancellationToken);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _length;
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>Writes through to the connection's stream; flushes do nothing.</summary>
    private sealed class FlushlessStream(Stream inner) : WriteOnlyStream
    {
        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.WriteAsync(buffer, offset, count, cancellationToken);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.WriteAsync(buffer, cancellationToken);
    }
}
