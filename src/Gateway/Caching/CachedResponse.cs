using System.Buffers.Binary;
using System.Text;

namespace MassRouter.Gateway.Caching;

/// <summary>An answer as its client received it, with what a replay needs to say about it.</summary>
/// <param name="ContentType">The answer's <c>Content-Type</c> (<c>application/json</c>, <c>text/event-stream</c>).</param>
/// <param name="Provider">The provider that answered it.</param>
/// <param name="Model">The public model that answered it.</param>
/// <param name="StoredAt">When it was cached, Unix ms.</param>
/// <param name="Body">The bytes the client received.</param>
/// <param name="PromptTokens">The usage the answer was billed at (0 in entries cached before it was kept), which a hit's
/// usage event reports at no cost.</param>
internal sealed record CachedResponse(string ContentType, string Provider, string Model, long StoredAt, byte[] Body, long PromptTokens = 0, long CompletionTokens = 0)
{
    private const byte Version = 2;

    /// <summary>Version 1's entries (no usage) are still read.</summary>
    private const byte VersionWithoutUsage = 1;

    /// <summary>
    /// One blob: a version byte, three length-prefixed UTF-8 strings, the store time, the prompt and completion tokens,
    /// then the body.
    /// </summary>
    public byte[] Serialize()
    {
        var size = 1 + 8 + 16 + Sized(ContentType) + Sized(Provider) + Sized(Model) + Body.Length;
        var blob = new byte[size];
        var at = 0;
        blob[at++] = Version;
        at = WriteString(blob, at, ContentType);
        at = WriteString(blob, at, Provider);
        at = WriteString(blob, at, Model);
        BinaryPrimitives.WriteInt64LittleEndian(blob.AsSpan(at), StoredAt);
        BinaryPrimitives.WriteInt64LittleEndian(blob.AsSpan(at + 8), PromptTokens);
        BinaryPrimitives.WriteInt64LittleEndian(blob.AsSpan(at + 16), CompletionTokens);
        at += 24;
        Body.CopyTo(blob, at);
        return blob;
    }

    /// <summary>The entry <paramref name="blob"/> holds; null when it is not one this version wrote.</summary>
    public static CachedResponse? Deserialize(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 1 + 8 + 12 || blob[0] is not (Version or VersionWithoutUsage))
        {
            return null;
        }

        var fixedBytes = blob[0] == Version ? 24 : 8;
        var at = 1;
        if (!TryReadString(blob, ref at, out var contentType) || !TryReadString(blob, ref at, out var provider)
            || !TryReadString(blob, ref at, out var model) || blob.Length - at < fixedBytes)
        {
            return null;
        }

        var storedAt = BinaryPrimitives.ReadInt64LittleEndian(blob[at..]);
        var (prompt, completion) = fixedBytes == 24
            ? (BinaryPrimitives.ReadInt64LittleEndian(blob[(at + 8)..]), BinaryPrimitives.ReadInt64LittleEndian(blob[(at + 16)..]))
            : (0L, 0L);
        return new CachedResponse(contentType, provider, model, storedAt, blob[(at + fixedBytes)..].ToArray(), prompt, completion);
    }

    private static int Sized(string value) => 4 + Encoding.UTF8.GetByteCount(value);

    private static int WriteString(byte[] blob, int at, string value)
    {
        var written = Encoding.UTF8.GetBytes(value, blob.AsSpan(at + 4));
        BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(at), written);
        return at + 4 + written;
    }

    private static bool TryReadString(ReadOnlySpan<byte> blob, ref int at, out string value)
    {
        value = "";
        if (blob.Length - at < 4)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(blob[at..]);
        if (length < 0 || blob.Length - at - 4 < length)
        {
            return false;
        }

        value = Encoding.UTF8.GetString(blob.Slice(at + 4, length));
        at += 4 + length;
        return true;
    }
}
