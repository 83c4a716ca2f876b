using System.Collections.Frozen;
using System.Net.Http.Headers;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// Request headers the client sent for the gateway, never for the provider: credentials (the gateway's key in any header
/// a client might use; the provider's own is added after), the client's own OpenAI account (OpenAI answers 401
/// mismatched_organization when these name another account than the provider key's: a provider's organisation goes in
/// its configured Headers), its cookies, and the addresses of the network in front of the gateway (an end user's IP is
/// not the provider's to know). Also Expect: the gateway holds the whole body already, and passing a client's
/// 100-continue on would hold it back for a round trip to the provider. And Origin: a browser's page calls the gateway,
/// whose own policy answers it (Cors); a provider would take the gateway for a browser (Anthropic refuses any request
/// with an Origin unless its browser opt-in header is set). And the gateway's own headers (the cache's time to live, the end user). The counterpart of <see cref="ProviderOnlyHeaders"/>.
/// </summary>
internal static class ClientOnlyHeaders
{
    private static readonly FrozenSet<string> Names = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase,
        "Authorization", "x-api-key", "x-goog-api-key", "api-key", "Proxy-Authorization",
        "OpenAI-Organization", "OpenAI-Project", "Cookie",
        "Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Prefix", "X-Real-IP",
        "Expect", "Origin",
        Caching.ResponseCaching.TtlHeader, EndUserHeader.Name);

    /// <summary>Removes every client-only header from the request about to go upstream.</summary>
    public static void RemoveFrom(HttpRequestHeaders headers)
    {
        // One pass over the headers present (a dozen, of which usually only Authorization goes) rather than one removal
        // attempt per name: each attempt parses the name, and most are absent.
        string? first = null;
        List<string>? more = null;
        foreach (var header in headers.NonValidated)
        {
            if (Names.Contains(header.Key))
            {
                if (first is null)
                {
                    first = header.Key;
                }
                else
                {
                    (more ??= []).Add(header.Key);
                }
            }
        }

        if (first is not null)
        {
            headers.Remove(first);
        }

        if (more is not null)
        {
            foreach (var name in more)
            {
                headers.Remove(name);
            }
        }
    }
}
