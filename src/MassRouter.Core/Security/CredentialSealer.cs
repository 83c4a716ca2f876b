using System.Security.Cryptography;
using System.Text;

namespace MassRouter.Core.Security;

/// <summary>
/// Seals provider credentials for the catalog in Redis with AES-256-GCM under a key both planes share
/// (<c>MassRouter:CredentialKey</c>): base64 of nonce(12) ‖ ciphertext ‖ tag(16).
/// </summary>
public sealed class CredentialSealer
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public CredentialSealer(ReadOnlySpan<byte> key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("The credential key must be 32 bytes (base64 of 32 random bytes).", nameof(key));
        }

        _key = key.ToArray();
    }

    /// <summary>Creates a sealer from the base64 configuration value.</summary>
    public static CredentialSealer FromBase64(string base64) => new(Convert.FromBase64String(base64));

    public string Seal(string secret)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[NonceSize + plain.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length));
        return Convert.ToBase64String(sealedBytes);
    }

    /// <summary>Opens a sealed credential; throws <see cref="CryptographicException"/> if it was tampered with or sealed under another key.</summary>
    public string Open(string sealedBase64)
    {
        var sealedBytes = Convert.FromBase64String(sealedBase64);
        if (sealedBytes.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("The sealed credential is too short.");
        }

        var length = sealedBytes.Length - NonceSize - TagSize;
        var plain = new byte[length];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, length), sealedBytes.AsSpan(NonceSize + length), plain);
        return Encoding.UTF8.GetString(plain);
    }
}
