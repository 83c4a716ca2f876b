using System.IO.Compression;
using MassRouter.Gateway.Transforms.Buffers;
using Microsoft.AspNetCore.Http.Features;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// Buffers a request body into pooled memory, enforcing the configured size limit, and decodes a body the client
/// compressed (<c>Content-Encoding</c> gzip, deflate or br), as OpenAI's and Anthropic's APIs accept: providers then
/// get it uncompressed, as the gateway rewrites it anyway.
/// </summary>
internal static class RequestBodyReader
{
    /// <summary>The content codings a request body may arrive in.</summary>
    public const string SupportedEncodings = "gzip, deflate or br";

    /// <summary>
    /// Reads the whole body (decoded); returns null with the reason when it exceeds <paramref name="limit"/> (once
    /// decoded: a small compressed body cannot expand past it), is in a coding the gateway does not read, or does not
    /// decode. Too large marks the response <c>Connection: close</c>: the unread rest of the body cannot be drained, so
    /// Kestrel drops the connection after the 413, and a client that was not told so would send its next request on a
    /// pooled connection being closed.
    /// </summary>
    public static async ValueTask<(PooledBufferWriter? Body, BodyFailure Failure)> ReadAsync(HttpContext context, long limit)
    {
        var request = context.Request;
        var declared = request.ContentLength;
        if (declared > limit)
        {
            return (null, TooLarge(context));
        }

        var source = request.Body;
        var coding = request.Headers.ContentEncoding;
        if (coding.Count > 0)
        {
            if (Decoder(coding) is not { } decoder)
            {
                return (null, BodyFailure.UnsupportedEncoding);
            }

            if (decoder != Coding.Identity)
            {
                source = decoder switch
                {
                    Coding.Gzip => new GZipStream(source, CompressionMode.Decompress, leaveOpen: true),
                    Coding.Deflate => new ZLibStream(source, CompressionMode.Decompress, leaveOpen: true),
                    _ => new BrotliStream(source, CompressionMode.Decompress, leaveOpen: true),
                };

                // A compressed length says little of the decoded size; JSON compresses about 4 to 10 times.
                declared = declared * 4;
            }
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
                var read = await source.ReadAsync(memory, context.RequestAborted);
                if (read == 0)
                {
                    if (coding.Count > 0)
                    {
                        // What goes upstream is the decoded body: the header must not travel with it.
                        request.Headers.Remove(Microsoft.Net.Http.Headers.HeaderNames.ContentEncoding);
                    }

                    return (buffer, BodyFailure.None);
                }

                buffer.Advance(read);
                if (buffer.WrittenCount > limit)
                {
                    buffer.Dispose();
                    return (null, TooLarge(context));
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            buffer.Dispose();
            return (null, TooLarge(context));
        }
        catch (Exception ex) when (source != request.Body && ex is InvalidDataException or InvalidOperationException)
        {
            // Not the coding it claims, or cut short (GZipStream and ZLibStream say InvalidDataException, BrotliStream
            // InvalidOperationException).
            buffer.Dispose();
            return (null, BodyFailure.CorruptEncoding);
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
        finally
        {
            if (source != request.Body)
            {
                await source.DisposeAsync();
            }
        }
    }

    /// <summary>The status and error code for a body that could not be read.</summary>
    public static (int Status, string Code) StatusOf(BodyFailure failure) => failure switch
    {
        BodyFailure.TooLarge => (StatusCodes.Status413PayloadTooLarge, "request_too_large"),
        BodyFailure.UnsupportedEncoding => (StatusCodes.Status415UnsupportedMediaType, "unsupported_content_encoding"),
        _ => (StatusCodes.Status400BadRequest, "invalid_content_encoding"),
    };

    /// <summary>The client's message for a body that could not be read.</summary>
    public static string Message(BodyFailure failure, HttpContext context, long limit) => failure switch
    {
        BodyFailure.TooLarge => $"The request body is larger than the {limit} bytes this gateway accepts.",
        BodyFailure.UnsupportedEncoding =>
            $"Unsupported Content-Encoding '{context.Request.Headers.ContentEncoding}': send the body uncompressed, or compressed with {SupportedEncodings}.",
        _ => $"The request body is not valid {context.Request.Headers.ContentEncoding} data.",
    };

    private static Coding? Decoder(Microsoft.Extensions.Primitives.StringValues coding)
    {
        // One coding (a list of several is not something clients send); the header's name is case-insensitive, so is its value.
        var value = coding.Count == 1 ? coding[0].AsSpan().Trim() : default;
        return value switch
        {
            _ when value.Equals("gzip", StringComparison.OrdinalIgnoreCase) || value.Equals("x-gzip", StringComparison.OrdinalIgnoreCase) => Coding.Gzip,
            _ when value.Equals("deflate", StringComparison.OrdinalIgnoreCase) => Coding.Deflate,
            _ when value.Equals("br", StringComparison.OrdinalIgnoreCase) => Coding.Brotli,
            _ when value.Equals("identity", StringComparison.OrdinalIgnoreCase) => Coding.Identity,
            _ => null,
        };
    }

    private static BodyFailure TooLarge(HttpContext context)
    {
        // Connection-specific headers exist only in HTTP/1.x; HTTP/2 and 3 end the stream, not the connection.
        if (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol))
        {
            context.Response.Headers.Connection = "close";
        }

        return BodyFailure.TooLarge;
    }

    private enum Coding
    {
        Identity,
        Gzip,
        Deflate,
        Brotli,
    }
}
