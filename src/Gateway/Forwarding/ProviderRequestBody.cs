using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// The body sent upstream: the client's bytes as they are when possible (OpenAI-compatible passthrough), the
/// minimal OpenAI rewrite (model id, usage request), or the provider's own format written by its codec.
/// </summary>
internal static class ProviderRequestBody
{
    /// <summary>True when the client's bytes cannot be forwarded unchanged.</summary>
    public static bool NeedsNewBody(in ChatRequestInfo request, Deployment deployment) =>
        deployment.Provider.Codec is not null || ChatRequestRewriter.NeedsRewrite(request, deployment.UpstreamModel);

    /// <summary>Makes <paramref name="body"/> the request body the forwarder sends (its bytes are not copied when it has an array).</summary>
    public static void Install(HttpContext context, ReadOnlyMemory<byte> body)
    {
        context.Request.Body = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(body, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(body.ToArray(), writable: false);
        context.Request.ContentLength = body.Length;
    }

    /// <summary>A first guess at the size of the new body.</summary>
    public static int CapacityFor(PooledBufferWriter body, Deployment deployment) =>
        body.WrittenCount + 256 + (deployment.UpstreamModel.Length * 6);

    /// <summary>Writes the new body; false with the client's error when the provider cannot honour the request.</summary>
    public static bool TryWrite(PooledBufferWriter body, in ChatRequestInfo request, Deployment deployment, PooledBufferWriter output, out CodecError error)
    {
        error = default;
        if (deployment.Provider.Codec is { } codec)
        {
            return codec.TryWriteRequest(body.WrittenMemory, request, deployment.UpstreamModel, output, out error);
        }

        ChatRequestRewriter.Rewrite(body.WrittenSpan, request, deployment.UpstreamModel, output);
        return true;
    }
}
