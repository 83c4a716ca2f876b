using MassRouter.Gateway.Providers;
using MassRouter.Gateway.Transforms.Buffers;

namespace MassRouter.Gateway.StoredResponses;

/// <summary>
/// A response body written through to the client and kept (in pooled memory, up to a limit) for the gateway to read
/// once relayed: the provider's answer about a background response, which may bill it.
/// </summary>
internal sealed class CapturedBody(Stream inner, int limit) : WriteOnlyStream
{
    private readonly PooledBufferWriter _kept = new(16 * 1024);
    private bool _outgrown;

    /// <summary>The whole body, or null when it outgrew the limit.</summary>
    public ReadOnlyMemory<byte>? Kept => _outgrown ? null : _kept.WrittenMemory;

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Keep(buffer);
        inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Keep(buffer.Span);
        return inner.WriteAsync(buffer, cancellationToken);
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
        if (_outgrown || _kept.WrittenCount + bytes.Length > limit)
        {
            // Past the limit what is kept would not be the whole body: nothing more is.
            _outgrown = true;
            return;
        }

        bytes.CopyTo(_kept.GetSpan(bytes.Length));
        _kept.Advance(bytes.Length);
    }
}
