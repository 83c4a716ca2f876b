namespace MassRouter.ControlApi.Catalog;

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

    public long? FirstTokenTimeoutMs { get; set; }

    public long? TotalTimeoutMs { get; set; }

    public string? LoadBalancing { get; set; }
}
