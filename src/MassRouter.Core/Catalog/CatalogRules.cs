namespace MassRouter.Core.Catalog;

/// <summary>
/// What the catalog accepts for a provider's connection settings and a model's routing settings: the control API
/// rejects anything else, and a gateway reading a document written by other hands ignores it (keeping its default).
/// </summary>
public static class CatalogRules
{
    /// <summary>Longest timeout of any kind: a day.</summary>
    public const long MaxTimeoutMs = 86_400_000;

    /// <summary>Longest TCP connect timeout: ten minutes.</summary>
    public const long MaxConnectTimeoutMs = 600_000;

    /// <summary>Most extra headers a provider may carry.</summary>
    public const int MaxHeaders = 32;

    /// <summary>Longest extra header value.</summary>
    public const int MaxHeaderValueLength = 4096;

    /// <summary>The load-balancing policies a model may name.</summary>
    public static readonly IReadOnlyList<string> LoadBalancingPolicies = ["weighted", "least-latency"];

    // Credential headers have a place of their own (the provider's credential, encrypted at rest and sealed in the
    // catalog); framing and hop-by-hop headers belong to the gateway's HTTP client.
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "authorization", "proxy-authorization", "api-key", "x-api-key", "x-goog-api-key", "cookie",
        "host", "content-length", "content-type", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer", "expect",
    };

    /// <summary>A positive timeout of at most <paramref name="max"/> milliseconds.</summary>
    public static bool IsTimeout(long value, long max = MaxTimeoutMs) => value is > 0 && value <= max;

    /// <summary>An idle timeout: zero (no reuse) up to a day.</summary>
    public static bool IsIdleTimeout(long value) => value is >= 0 and <= MaxTimeoutMs;

    /// <summary>A connection count: at least one.</summary>
    public static bool IsConnectionCount(long value) => value >= 1;

    /// <summary>A load-balancing policy the gateway knows.</summary>
    public static bool IsLoadBalancing(string value) => LoadBalancingPolicies.Contains(value, StringComparer.Ordinal);

    /// <summary>Why an extra header cannot be sent as given, or null when it can.</summary>
    public static string? HeaderProblem(string name, string? value)
    {
        if (name.Length is 0 or > 64 || !name.All(IsTokenChar))
        {
            return "Header names are 1 to 64 letters, digits or !#$%&'*+-.^_`|~.";
        }

        if (ReservedHeaders.Contains(name))
        {
            return $"'{name}' is set by the gateway; a provider's secret goes in its credential.";
        }

        if (value is null || value.Length > MaxHeaderValueLength || value.Any(c => c is '\r' or '\n' or '\0'))
        {
            return $"Header values are at most {MaxHeaderValueLength} characters, without line breaks.";
        }

        return null;
    }

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}
