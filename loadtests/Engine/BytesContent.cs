using System.Net;
using System.Net.Http.Headers;

namespace MassRouter.LoadTests.Engine;

/// <summary>
/// Request content over a shared byte array. One instance per worker and template is reused for every request the worker
/// sends (HttpClient does not dispose request content), so a request costs no content or header allocations.
/// </summary>
internal sealed class BytesContent : HttpContent
{
    private static readonly MediaTypeHeaderValue _json = new("application/json");
    private readonly byte[] _body;

    public BytesContent(byte[] body)
    {
        _body = body;
        Headers.ContentType = _json;
        Headers.ContentLength = body.Length;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        stream.WriteAsync(_body).AsTask();

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        stream.WriteAsync(_body, cancellationToken).AsTask();

    protected override bool TryComputeLength(out long length)
    {
        length = _body.Length;
        return true;
    }
}
