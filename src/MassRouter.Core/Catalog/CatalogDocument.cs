namespace MassRouter.Core.Catalog;

/// <summary>The catalog the control plane publishes at <c>mr:catalog</c>.</summary>
public sealed record CatalogDocument
{
    public long Version { get; init; }
    public IReadOnlyList<CatalogProvider> Providers { get; init; } = [];
    public IReadOnlyList<CatalogModel> Models { get; init; } = [];
}

/// <summary>A provider; <see cref="Credential"/> is sealed with <see cref="Security.CredentialSealer"/>.</summary>
public sealed record CatalogProvider
{
    public required string Name { get; init; }
    public required string Kind { get; init; }
    public string? Flavor { get; init; }
    public required string BaseUrl { get; init; }
    public string? ApiVersion { get; init; }
    public string? Credential { get; init; }
    public bool Enabled { get; init; } = true;

    // Connection settings; null takes the gateway's default (README, MassRouter:Providers:{name}:...).
    public long? ConnectTimeoutMs { get; init; }
    public long? ActivityTimeoutMs { get; init; }
    public int? MaxConnections { get; init; }
    public long? PooledConnectionIdleTimeoutMs { get; init; }
    public int? WarmConnections { get; init; }
    public long? BurstConnectionIdleTimeoutMs { get; init; }

    /// <summary>Whether an openai-kind provider serves OpenAI's Responses API itself; null takes the gateway's default.</summary>
    public bool? Responses { get; init; }

    /// <summary>Extra headers sent with every request to the provider (never a credential: see <see cref="Credential"/>).</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}

/// <summary>A public model with its prices (decimal USD per million tokens, as strings) and its route.</summary>
public sealed record CatalogModel
{
    public required string Id { get; init; }
    public string? DisplayName { get; init; }
    public int? ContextLength { get; init; }
    public string InputPerMillion { get; init; } = "0";
    public string OutputPerMillion { get; init; } = "0";
    public string? CachedInputPerMillion { get; init; }
    public IReadOnlyList<CatalogDeployment> Deployments { get; init; } = [];

    // Routing settings; null takes the gateway's default (README, MassRouter:Models:N:...).
    public long? FirstTokenTimeoutMs { get; init; }
    public long? TotalTimeoutMs { get; init; }
    public string? LoadBalancing { get; init; }
}

/// <summary>One deployment of a model: a provider, the upstream model id, a weight.</summary>
public sealed record CatalogDeployment(string Provider, string Model, int Weight = 1);
