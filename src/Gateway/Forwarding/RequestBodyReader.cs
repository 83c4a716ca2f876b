using MassRouter.Gateway.Transforms.Buffers;
using Microsoft.AspNetCore.Http.Features;

namespace MassRouter.Gateway.Forwarding;

/// <summary>Buffers a request body into pooled memory, enforcing the configured size limit.</summary>
internal static class RequestBodyReader
{
    /// <summary>
    /// Reads the whole body; returns null when it exceeds <paramref name="limit"/>, having marked the response
    /// <c>Connection: close</c>: the unread rest of the body cannot be drained, so Kestrel drops the connection after
    /// the 413, and a client that was not told so would send its next request on a pooled connection being closed.
    /// </summary>
    public static async ValueTask<PooledBufferWriter?> ReadAsync(HttpContext context, long limit)
    {
        var request = context.Request;
        var declared = request.ContentLength;
        if (declared > limit)
        {
            return TooLarge(context);
        }

        // Our own limit applies; let Kestrel read up to one byte past it so an oversized chunked body is detected here.
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = limit + 1;
        }

        // A declared length gets exactly its size plus the byte that lets the final read see the end of the body.
        var buffer = new PooledBufferWriter((int)Math.Min(declared ?? 4096, limit) + 1);
        try
        {
            while (true)
            {
                // Any free space will do: asking for more than is left would rent a second, bigger array per body.
                var memory = buffer.GetMemory(1);
                var read = await request.Body.ReadAsync(memory, context.RequestAborted);
                if (read == 0)
                {
                    return buffer;
                }

                buffer.Advance(read);
                if (buffer.WrittenCount > limit)
                {
                    buffer.Dispose();
                    return TooLarge(context);
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            buffer.Dispose();
            return TooLarge(context);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    private static PooledBufferWriter? TooLarge(HttpContext context)
    {
        // Connection-specific headers exist only in HTTP/1.x; HTTP/2 and 3 end the stream, not the connection.
        if (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol))
        {
            context.Response.Headers.Connection = "close";
        }

        return null;
    }
}
