namespace MassRouter.Gateway.Transforms.Usage;

/// <summary>Token counts of one completion, as the provider reported them.</summary>
public record struct TokenUsage(long PromptTokens, long CompletionTokens, long CachedPromptTokens, long ReasoningTokens)
{
    /// <summary>True when the provider reported usage at all.</summary>
    public bool IsKnown { get; set; }

    /// <summary>Prompt plus completion tokens.</summary>
    public readonly long TotalTokens => PromptTokens + CompletionTokens;
}
