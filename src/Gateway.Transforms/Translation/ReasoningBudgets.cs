namespace MassRouter.Gateway.Transforms.Translation;

/// <summary>
/// OpenAI's <c>reasoning_effort</c> as a thinking-token budget, for providers that take a budget instead of a level.
/// The figures follow Anthropic's guidance (1024 is its minimum budget) and are used for Gemini and Cohere alike.
/// </summary>
internal static class ReasoningBudgets
{
    /// <summary>The budget, 0 for "none"/"minimal" (no thinking), or -1 for an unknown effort.</summary>
    public static int For(string? effort) => effort switch
    {
        "none" or "minimal" => 0,
        "low" => 1024,
        "medium" => 4096,
        "high" => 16384,
        _ => -1,
    };
}
