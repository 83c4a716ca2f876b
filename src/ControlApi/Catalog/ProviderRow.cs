using System.Text.Json;
using MassRouter.Core.Usage;

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

    public long? ConnectTimeoutMs { get; set; }

    public long? ActivityTimeoutMs { get; set; }

    public long? MaxConnections { get; set; }

    public long? PooledIdleTimeoutMs { get; set; }

    public long? WarmConnections { get; set; }

    public long? BurstIdleTimeoutMs { get; set; }

    /// <summary>1 when the provider serves OpenAI's Responses API itself, 0 when not; null for the gateway's default.</summary>
    public long? Responses { get; set; }

    /// <summary>The extra headers as a JSON object; null when there are none.</summary>
    public string? HeadersJson { get; set; }

    public ProviderSettings Settings() => new(
        ConnectTimeoutMs,
        ActivityTimeoutMs,
        (int?)MaxConnections,
        PooledIdleTimeoutMs,
        (int?)WarmConnections,
        BurstIdleTimeoutMs,
        HeadersJson is null ? null : JsonSerializer.Deserialize(HeadersJson, CoreJson.Default.IReadOnlyDictionaryStringString),
        Responses is { } responses ? responses != 0 : null);

    public void Store(ProviderSettings settings)
    {
        ConnectTimeoutMs = settings.ConnectTimeoutMs;
        ActivityTimeoutMs = settings.ActivityTimeoutMs;
        MaxConnections = settings.MaxConnections;
        PooledIdleTimeoutMs = settings.PooledConnectionIdleTimeoutMs;
        WarmConnections = settings.WarmConnections;
        BurstIdleTimeoutMs = settings.BurstConnectionIdleTimeoutMs;
        Responses = settings.Responses is { } responses ? (responses ? 1 : 0) : null;
        HeadersJson = settings.Headers is { Count: > 0 } headers
            ? JsonSerializer.Serialize(headers, CoreJson.Default.IReadOnlyDictionaryStringString)
            : null;
    }

    public ProviderView ToView() => new(Id, Name, Kind, Flavor, BaseUrl, ApiVersion, CredentialProtected is not null, Enabled != 0, CreatedAt, UpdatedAt, Settings());
}
