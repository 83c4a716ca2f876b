using System.Buffers;
using System.ClientModel.Primitives;

namespace MassRouter.Gateway.Tests.Conformance;

/// <summary>
/// Copies the bytes of a streamed (unbuffered) response as the SDK reads them, so a test can also see the fields the
/// SDK's typed updates leave out (<c>reasoning_content</c>, a final error event).
/// </summary>
internal sealed class RawCapturePolicy : PipelinePolicy
{
    private readonly ArrayBufferWriter<byte> _captured = new();

    public string Text => System.Text.Encoding.UTF8.GetString(_captured.WrittenSpan);

    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ProcessNext(message, pipeline, currentIndex);
        Wrap(message);
    }

    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        await ProcessNextAsync(message, pipeline, currentIndex);
        Wrap(message);
    }

    private void Wrap(PipelineMessage message)
    {
        if (!message.BufferResponse && message.Response?.ContentStream is { } stream)
        {
            message.Response.ContentStream = new TeeStream(stream, _captured);
        }
    }

    private sealed class TeeStream(Stream inner, ArrayBufferWriter<byte> copy) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            copy.Write(buffer.AsSpan(offset, read));
            return read;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            copy.Write(buffer.Span[..read]);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
