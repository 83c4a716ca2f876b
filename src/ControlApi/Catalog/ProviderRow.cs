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
