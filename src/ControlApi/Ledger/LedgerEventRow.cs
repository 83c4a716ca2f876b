namespace MassRouter.ControlApi.Ledger;

/// <summary>A ledger row as the CSV export writes it.</summary>
internal sealed class LedgerEventRow
{
    public string EventId { get; set; } = "";

    public string RequestId { get; set; } = "";

    public string KeyId { get; set; } = "";

    public string Model { get; set; } = "";

    public string Provider { get; set; } = "";

    public long PromptTokens { get; set; }

    public long CompletionTokens { get; set; }

    public long CachedTokens { get; set; }

    public long ReasoningTokens { get; set; }

    public long CostNanos { get; set; }

    public string Status { get; set; } = "";

    public long HttpStatus { get; set; }

    public long EndedAt { get; set; }

    public long Estimated { get; set; }
}
