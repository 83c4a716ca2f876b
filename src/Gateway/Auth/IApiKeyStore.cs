namespace MassRouter.Gateway.Auth;

/// <summary>The one seam where keys are looked up by the SHA-256 hash of their secret.</summary>
public interface IApiKeyStore
{
    /// <summary>Finds the key whose secret hashes to <paramref name="keyHash"/> (32 bytes).</summary>
    bool TryFind(ReadOnlySpan<byte> keyHash, out ApiKeyInfo key);
}
