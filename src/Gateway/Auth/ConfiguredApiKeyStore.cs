using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using MassRouter.Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Auth;

/// <summary>Keys from configuration, held only as SHA-256 hashes and compared in constant time.</summary>
internal sealed class ConfiguredApiKeyStore : IApiKeyStore
{
    private readonly FrozenDictionary<ulong, Entry[]> _byHashPrefix;

    public ConfiguredApiKeyStore(IOptions<GatewayOptions> options)
    {
        var entries = new List<Entry>();
        foreach (var configured in options.Value.ApiKeys)
        {
            var hash = configured.Key is { Length: > 0 } secret
                ? SHA256.HashData(Encoding.UTF8.GetBytes(secret))
                : Convert.FromHexString(configured.KeyHash!);
            var id = "key_" + Convert.ToHexStringLower(hash, 0, 6);
            var models = configured.Models.Count == 0 ? null : configured.Models.ToFrozenSet(StringComparer.Ordinal);
            entries.Add(new Entry(hash, new ApiKeyInfo(id, configured.Name, models)));
        }

        _byHashPrefix = entries
            .GroupBy(e => BitConverter.ToUInt64(e.Hash, 0))
            .ToFrozenDictionary(g => g.Key, g => g.ToArray());
    }

    public bool TryFind(ReadOnlySpan<byte> keyHash, out ApiKeyInfo key)
    {
        key = null!;
        if (keyHash.Length != SHA256.HashSizeInBytes || !_byHashPrefix.TryGetValue(BitConverter.ToUInt64(keyHash), out var candidates))
        {
            return false;
        }

        foreach (var candidate in candidates)
        {
            if (CryptographicOperations.FixedTimeEquals(candidate.Hash, keyHash))
            {
                key = candidate.Info;
                return true;
            }
        }

        return false;
    }

    private sealed record Entry(byte[] Hash, ApiKeyInfo Info);
}
