using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace MassRouter.Gateway.Limits;

/// <summary>
/// An end user as Redis knows them: <c>u:</c> and the first 12 bytes of the SHA-256 of the end user as named
/// (base64url), so the name is short whatever the end user's, the same on every instance, and Redis holds no end user's
/// name. It is their field in the account's daily and monthly spend hashes, counted only for requests through a key
/// that caps its end users (<see cref="Auth.ApiKeyInfo.CapsEndUsers"/>; the spend counted is the end user's in the whole
/// account, through any of its keys that cap end users), and names their RPM cell of each key (<see cref="RpmCell"/>).
/// </summary>
internal static class EndUserSpend
{
    private const int HashBytes = 12;

    /// <summary>The spend field of <paramref name="endUser"/> (at most <see cref="Transforms.OpenAI.EndUser.MaxLength"/> characters).</summary>
    public static string Field(string endUser)
    {
        // Every caller cuts the name to MaxLength characters (at most 768 UTF-8 bytes): on the stack; a longer one still hashes.
        var length = Encoding.UTF8.GetMaxByteCount(endUser.Length);
        var utf8 = length <= 1024 ? stackalloc byte[length] : new byte[length];
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(endUser, utf8)], hash);
        return "u:" + Base64Url.EncodeToString(hash[..HashBytes]);
    }

    /// <summary>The GCRA cell of the end user's requests per minute through a key (<c>mr:{a:ID}:rl:k:KEY:u:…:rpm</c>).</summary>
    public static string RpmCell(string account, string keyId, string field) => Core.Redis.RedisKeys.RateLimit(account, keyId, field + ":rpm");
}
