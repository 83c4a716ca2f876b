using System.Collections.Frozen;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// Provider response headers that are not the client's to see: they are about the provider's own origin (its cookies,
/// its HTTP/3 and HSTS policy, which a browser would pin on the gateway's host) or about the operator's account with the
/// provider (organisation and project ids, the account's rate limits: the client's limits are the gateway's own,
/// written from its key), or about which web pages may read its answers (its CORS headers: the gateway has its own). Everything else the provider answers with is relayed.
/// </summary>
internal static class ProviderOnlyHeaders
{
    private static readonly FrozenSet<string> Names = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase,
        "Set-Cookie", "Alt-Svc", "Strict-Transport-Security", "openai-organization", "openai-project", "anthropic-organization-id");

    // x-ratelimit-* (OpenAI, Groq, Together), x-ratelimitbysize-* (Mistral), RateLimit-* (the IETF draft's fields),
    // anthropic-ratelimit-* and anthropic-priority-*; Access-Control-* (the provider's policy for browsers calling it:
    // which pages may read the gateway's answers is the gateway's own policy, MassRouter:Cors).
    private static readonly string[] Prefixes = ["x-ratelimit", "ratelimit-", "anthropic-ratelimit-", "anthropic-priority-", "access-control-"];

    /// <summary>True for a header the gateway keeps from the client.</summary>
    public static bool Contains(string name)
    {
        if (Names.Contains(name))
        {
            return true;
        }

        // Every prefix starts with x, r or a: most headers are ruled out by their first letter.
        if (name.Length == 0 || (name[0] | 0x20) is not ('x' or 'r' or 'a'))
        {
            return false;
        }

        foreach (var prefix in Prefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Removes from <paramref name="relayed"/> every provider-only header the provider sent.</summary>
    public static void RemoveFrom(IHeaderDictionary relayed, System.Net.Http.Headers.HttpHeadersNonValidated sent)
    {
        foreach (var header in sent)
        {
            if (Contains(header.Key))
            {
                relayed.Remove(header.Key);
            }
        }
    }
}
