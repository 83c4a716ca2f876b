using MassRouter.Gateway.Providers;
using Microsoft.AspNetCore.Http.Features;
using MassRouter.Gateway.Transforms.Buffers;

namespace MassRouter.Gateway.StoredResponses;

/// <summary>
/// A response body written through to the client and kept (in pooled memory, up to a limit) for the gateway to read
/// once relayed: the provider's answer about a background response, which may bill it; an answer the response cache
/// keeps. Installed in front of the response's body feature (<see cref="Install"/>), so whatever writes the response (the
/// forwarder's stream copy, a relay's pipe writer) goes through it; <see cref="EndAsync"/> puts the feature back.
/// </summary>
internal sealed class CapturedBody : WriteOnlyStream
{
    private readonly Stream _inner;
    private readonly int _limit;
    private readonly PooledBufferWriter _kept = new(16 * 1024);
    private readonly HttpContext _context;
    private readonly IHttpResponseBodyFeature _feature;
    private readonly StreamResponseBodyFeature _wrapper;
    private bool _outgrown;

    private CapturedBody(HttpContext context, IHttpResponseBodyFeature feature, int limit)
    {
        _context = context;
        _feature = feature;
        _inner = feature.Stream;
        _limit = limit;
        _wrapper = new StreamResponseBodyFeature(this, feature);
    }

    /// <summary>Keeps what <paramref name="context"/>'s response is sent from now on, up to <paramref name="limit"/> bytes.</summary>
    public static CapturedBody Install(HttpContext context, int limit)
    {
        var captured = new CapturedBody(context, context.Features.GetRequiredFeature<IHttpResponseBodyFeature>(), limit);
        context.Features.Set<IHttpResponseBodyFeature>(captured._wrapper);
        return captured;
    }

    /// <summary>
    /// Sends what the wrapper still holds (to the client and the copy) and puts the response's own body feature back;
    /// false when the client had left, so the copy is not what it received.
    /// </summary>
    public async ValueTask<bool> EndAsync()
    {
        try
        {
            await _wrapper.CompleteAsync();
            return true;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            return false;
        }
        finally
        {
            _context.Features.Set(_feature);
        }
    }

    /// <summary>The whole body, or null when it outgrew the limit.</summary>
    public ReadOnlyMemory<byte>? Kept => _outgrown ? null : _kept.WrittenMemory;

    public override void Flush() => _inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Keep(buffer);
        _inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Keep(buffer.Span);
        return _inner.WriteAsync(buffer, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        // The client's stream is the server's to close; only the copy is this one's.
        if (disposing)
        {
            _kept.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Keep(ReadOnlySpan<byte> bytes)
    {
        if (_outgrown || _kept.WrittenCount + bytes.Length > _limit)
        {
            // Past the limit what is kept would not be the whole body: nothing more is.
            _outgrown = true;
            return;
        }

        bytes.CopyTo(_kept.GetSpan(bytes.Length));
        _kept.Advance(bytes.Length);
    }
}
