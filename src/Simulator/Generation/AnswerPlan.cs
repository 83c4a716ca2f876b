namespace MassRouter.Simulator.Generation;

/// <summary>
/// What one generated answer contains, decided from the request before anything is written: reasoning tokens when the
/// request enabled thinking, then either text tokens or one call of the tool the request forced.
/// </summary>
internal sealed record AnswerPlan(int ThinkingTokens, int TextTokens, ToolCallPlan? Tool, bool Truncated, int PromptTokens)
{
    /// <summary>Output tokens the provider reports: thinking, text and a nominal count for the tool call's arguments.</summary>
    public int OutputTokens => ThinkingTokens + TextTokens + (Tool?.Tokens ?? 0);

    /// <summary>
    /// Splits the token budget: thinking (when asked) uses the same count as the answer; a token limit cuts text first.
    /// <paramref name="promptBytes"/> stands in for a tokenizer (about four bytes per prompt token).
    /// </summary>
    public static AnswerPlan Create(GenerationSettings settings, bool thinking, ToolCallPlan? tool, int? maxTokens, long promptBytes)
    {
        var promptTokens = (int)Math.Clamp(promptBytes / 4, 1, int.MaxValue);
        var thinkingTokens = thinking ? settings.Tokens : 0;
        var textTokens = tool is null ? settings.Tokens : 0;
        var truncated = false;
        if (maxTokens is { } limit && tool is null && thinkingTokens + textTokens > limit)
        {
            truncated = true;
            thinkingTokens = Math.Min(thinkingTokens, limit);
            textTokens = Math.Max(0, limit - thinkingTokens);
        }

        return new AnswerPlan(thinkingTokens, textTokens, tool, truncated, promptTokens);
    }

    /// <summary>Content chunks of the stream: thinking chunks, then text chunks or argument fragments.</summary>
    public int ChunkCount(int chunkSize) =>
        Chunks(ThinkingTokens, chunkSize) + Chunks(TextTokens, chunkSize) + (Tool?.Fragments.Length ?? 0);

    private static int Chunks(int tokens, int chunkSize) => (tokens + chunkSize - 1) / chunkSize;
}
