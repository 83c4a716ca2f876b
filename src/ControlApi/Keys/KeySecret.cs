using System.Security.Cryptography;
using System.Text;

namespace MassRouter.ControlApi.Keys;

/// <summary>API key secrets: <c>sk-mr-</c> + 32 random bytes (hex); stored as SHA-256 plus a display prefix.</summary>
internal static class KeySecret
{
    public const string Scheme = "sk-mr-";
    private const int PrefixLength = 14;

    public static string New() => Scheme + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>Lowercase hex SHA-256, the key of <c>mr:key:&lt;hash&gt;</c>.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static string DisplayPrefix(string secret) => secret[..Math.Min(PrefixLength, secret.Length)] + "…";
}
