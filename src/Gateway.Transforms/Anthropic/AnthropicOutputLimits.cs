namespace MassRouter.Gateway.Transforms.Anthropic;

/// <summary>
/// The <c>max_tokens</c> sent for a Claude model when an OpenAI client asks for none (OpenAI has no such requirement, so
/// its clients rarely send one): the model's own output limit, as OpenAI would let the answer run, rather than a fixed
/// figure that cuts long answers short with <c>finish_reason: length</c>. Known by model family, whatever the id's date
/// or provider prefix (<c>claude-sonnet-4-5-20250929</c>, Bedrock's <c>us.anthropic.claude-sonnet-4-5-20250929-v1:0</c>).
/// </summary>
internal static class AnthropicOutputLimits
{
    /// <summary>
    /// Longest default for a request that is not streamed: 10 minutes of output at the 128k tokens an hour Anthropic's SDKs
    /// assume. A longer silent wait outlives idle-connection timeouts on the way (and the gateway's default activity
    /// timeout), which is why those SDKs refuse such requests unless streamed.
    /// </summary>
    public const int NonStreamingCap = 21_333;

    // Longest prefix first: claude-opus-4-5 before claude-opus-4.
    private static readonly (string Family, int Limit)[] Families =
    [
        ("claude-opus-4-5", 64_000),
        ("claude-opus-4", 32_000),
        ("claude-sonnet-4", 64_000),
        ("claude-haiku-4", 64_000),
        ("claude-3-7-sonnet", 64_000),
        ("claude-3-5-sonnet", 8_192),
        ("claude-3-5-haiku", 8_192),
        ("claude-3-opus", 4_096),
        ("claude-3-sonnet", 4_096),
        ("claude-3-haiku", 4_096),
    ];

    /// <summary>The default <c>max_tokens</c> for <paramref name="model"/>, or null when its family is not known.</summary>
    public static int? DefaultFor(string model, bool stream)
    {
        var at = model.IndexOf("claude-", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var name = model.AsSpan(at);
        foreach (var (family, limit) in Families)
        {
            if (name.StartsWith(family, StringComparison.Ordinal) && (name.Length == family.Length || !char.IsAsciiDigit(name[family.Length])))
            {
                return stream ? limit : Math.Min(limit, NonStreamingCap);
            }
        }

        return null;
    }
}
