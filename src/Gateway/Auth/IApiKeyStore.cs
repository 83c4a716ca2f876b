namespace MassRouter.Gateway.Auth;

/// <summary>The one seam where keys are looked up by the SHA-256 hash of their secret.</summary>
public interface IApiKeyStore
{
    /// <summary>
    /// Answers from memory alone: true when the store knows the answer without I/O (<paramref name="key"/> is then the
    /// usable key, or null for an unknown, revoked, expired or suspended one); false when only
    /// <see cref="FindAsync"/> can tell.
    /// </summary>
    bool TryFindCached(KeyHash keyHash, out ApiKeyInfo? key);

    /// <summary>Finds the usable key whose secret hashes to <paramref name="keyHash"/>, or null; may load it.</summary>
    ValueTask<ApiKeyInfo?> FindAsync(KeyHash keyHash, CancellationToken cancellationToken);
}
