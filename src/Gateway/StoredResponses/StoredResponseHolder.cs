using MassRouter.Gateway.Auth;

namespace MassRouter.Gateway.StoredResponses;

/// <summary>
/// Who may reach a response a provider stored, and where it is: <paramref name="Owner"/> is the account of the key that
/// created it (<c>a:</c> id), or the key itself for configured keys (<c>k:</c> id); <paramref name="Provider"/> is the
/// catalog's name of the provider holding it.
/// </summary>
internal readonly record struct StoredResponseHolder(string Owner, string Provider)
{
    /// <summary>The owner a key's responses are stored under: every key of one account sees the account's responses.</summary>
    public static string OwnerOf(ApiKeyInfo key) => key.Account is { } account ? "a:" + account : "k:" + key.KeyId;

    /// <summary>The stored form, <c>owner\nprovider</c> (neither has a line break).</summary>
    public string Encode() => Owner + "\n" + Provider;

    /// <summary>Reads <see cref="Encode"/>'s form; null when it is not that.</summary>
    public static StoredResponseHolder? Decode(string? value)
    {
        var split = value?.IndexOf('\n') ?? -1;
        return split > 0 && split < value!.Length - 1 ? new StoredResponseHolder(value[..split], value[(split + 1)..]) : null;
    }
}
