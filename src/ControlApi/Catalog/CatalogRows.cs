namespace MassRouter.ControlApi.Catalog;

/// <summary>A row of <c>providers</c>; the credential is protected with ASP.NET Data Protection.</summary>
internal sealed class ProviderRow
{
    public long Id { get; set; }

    public string Name { get; set; } = "";

    public string Kind { get; set; } = "";

    public string? Flavor { get; set; }

    public string BaseUrl { get; set; } = "";

    public string? ApiVersion { get; set; }

    public string? CredentialProtected { get; set; }

    public long Enabled { get; set; }

    public long CreatedAt { get; set; }

    public long UpdatedAt { get; set; }

    public ProviderView ToView() => new(Id, Name, Kind, Flavor, BaseUrl, ApiVersion, CredentialProtected is not null, Enabled != 0, CreatedAt, UpdatedAt);
}

/// <summary>A row of <c>models</c>; prices are integer nano-dollars per million tokens.</summary>
internal sealed class ModelRow
{
    public long Id { get; set; }

    public string PublicId { get; set; } = "";

    public string? DisplayName { get; set; }

    public long? ContextLength { get; set; }

    public long InputNanosPerMillion { get; set; }

    public long OutputNanosPerMillion { get; set; }

    public long? CachedInputNanosPerMillion { get; set; }

    public long Enabled { get; set; }

    public long CreatedAt { get; set; }

    public long UpdatedAt { get; set; }
}

/// <summary>A row of <c>model_routes</c> joined with its provider's name.</summary>
internal sealed class RouteRow
{
    public long ModelId { get; set; }

    public long Position { get; set; }

    public string Provider { get; set; } = "";

    public string UpstreamModel { get; set; } = "";

    public long Weight { get; set; }
}
