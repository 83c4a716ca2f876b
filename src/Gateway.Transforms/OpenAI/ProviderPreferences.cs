namespace MassRouter.Gateway.Transforms.OpenAI;

/// <summary>
/// OpenRouter-style per-request provider routing (<c>"provider": {...}</c>): which providers to try first, which to
/// exclude, whether other providers may serve the request, and how to sort the rest.
/// </summary>
public sealed class ProviderPreferences
{
    /// <summary>Provider names to try first, in this order.</summary>
    public IReadOnlyList<string> Order { get; init; } = [];

    /// <summary>When false, only the providers named in <see cref="Order"/> (or <see cref="Only"/>) may serve.</summary>
    public bool AllowFallbacks { get; init; } = true;

    /// <summary>When non-empty, only these providers may serve.</summary>
    public IReadOnlyList<string> Only { get; init; } = [];

    /// <summary>Providers never to use.</summary>
    public IReadOnlyList<string> Ignore { get; init; } = [];

    /// <summary><c>price</c>, <c>latency</c> or <c>throughput</c>; null keeps the configured order.</summary>
    public string? Sort { get; init; }
}
