using System.Collections.Frozen;
using MassRouter.Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Auth;

/// <summary>
/// Keys from configuration, held only as SHA-256 hashes. They are not metered (no account). Looking up a hash of the
/// secret needs no constant-time comparison: timing could at most leak bits of a SHA-256 output, never of a secret.
/// </summary>
internal sealed class ConfiguredApiKeyStore : IApiKeyStore
{
    private readonly FrozenDictionary<KeyHash, ApiKeyInfo> _keys;

    public ConfiguredApiKeyStore(IOptions<GatewayOptions> options)
    {
        var keys = new Dictionary<KeyHash, ApiKeyInfo>();
        foreach (var configured in options.Value.ApiKeys)
        {
            var hash = configured.Key is { Length: > 0 } secret ? KeyHash.Of(secret) : KeyHash.FromHex(configured.KeyHash!);
            var id = "key_" + hash.ToHex()[..12];
            var models = configured.Models.Count == 0 ? null : configured.Models.ToFrozenSet(StringComparer.Ordinal);
            keys[hash] = new ApiKeyInfo(id, configured.Name, models);
        }

        _keys = keys.ToFrozenDictionary();
    }

    /// <summary>True when no key is configured.</summary>
    public bool IsEmpty => _keys.Count == 0;

    /// <summary>The synchronous lookup the Redis-backed store tries first.</summary>
    public ApiKeyInfo? Find(KeyHash keyHash) => _keys.GetValueOrDefault(keyHash);

    public bool TryFindCached(KeyHash keyHash, out ApiKeyInfo? key)
    {
        key = Find(keyHash);
        return true;
    }

    public ValueTask<ApiKeyInfo?> FindAsync(KeyHash keyHash, CancellationToken cancellationToken) => ValueTask.FromResult(Find(keyHash));
}
