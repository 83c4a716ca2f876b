using System.Security.Cryptography;
using System.Text;

namespace MassRouter.Gateway.Auth;

/// <summary>Reads the presented key (<c>Authorization: Bearer</c> or <c>x-api-key</c>), hashes it and asks the key store.</summary>
internal sealed class ApiKeyAuthenticator(IApiKeyStore store)
{
    private const int MaxKeyLength = 512;

    /// <summary>Authenticates the request; false when the key is missing (<paramref name="missing"/>) or unknown.</summary>
    public bool TryAuthenticate(HttpContext context, out ApiKeyInfo key, out bool missing)
    {
        key = null!;
        var presented = ReadPresentedKey(context.Request.Headers);
        missing = presented.IsEmpty;
        if (missing || presented.Length > MaxKeyLength)
        {
            return false;
        }

        Span<byte> utf8 = stackalloc byte[MaxKeyLength * 3];
        var length = Encoding.UTF8.GetBytes(presented, utf8);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], hash);
        return store.TryFind(hash, out key);
    }

    private static ReadOnlySpan<char> ReadPresentedKey(IHeaderDictionary headers)
    {
        var authorization = headers.Authorization;
        if (authorization.Count > 0)
        {
            var value = authorization[0].AsSpan().Trim();
            if (value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return value[7..].Trim();
            }
        }

        var apiKey = headers["x-api-key"];
        return apiKey.Count > 0 ? apiKey[0].AsSpan().Trim() : default;
    }
}
