namespace MassRouter.ControlApi.Ledger;

/// <summary>A ledger row, as the CSV export and the events list read it.</summary>
internal sealed class LedgerEventRow
{
    public string EventId { get; set; } = "";

    public string RequestId { get; set; } = "";

    public string KeyId { get; set; } = "";

    public string Model { get; set; } = "";

    public string Provider { get; set; } = "";

    public string? UpstreamModel { get; set; }

    public string? EndUser { get; set; }

    public long PromptTokens { get; set; }

    public long CompletionTokens { get; set; }

    public long CachedTokens { get; set; }

    public long ReasoningTokens { get; set; }

    public long CostNanos { get; set; }

    public string Status { get; set; } = "";

    public long HttpStatus { get; set; }

    public long StartedAt { get; set; }

    public long EndedAt { get; set; }

    public long LatencyMs { get; set; }

    public long TtftMs { get; set; }

    public long Estimated { get; set; }

    public UsageEventView ToView() => new(
        EventId, RequestId, KeyId, Model, Provider, UpstreamModel, EndUser, PromptTokens, CompletionTokens, CachedTokens, ReasoningTokens,
        CostNanos, MassRouter.Core.Money.Nanos.FormatDollars(CostNanos), Status, HttpStatus, StartedAt, EndedAt, LatencyMs, TtftMs, Estimated != 0);
}
