using MassRouter.Gateway.Transforms.Translation;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Anthropic;

/// <summary>
/// Anthropic usage → OpenAI usage. Anthropic's <c>input_tokens</c> excludes cache reads and writes; OpenAI's
/// <c>prompt_tokens</c> includes cached tokens, so prompt = input + cache read + cache creation, cached = cache read.
/// Anthropic reports no separate reasoning count (thinking is billed as output).
/// </summary>
internal static class AnthropicUsage
{
    /// <summary>Applies the figures present in a usage object over <paramref name="usage"/> (later events carry final figures).</summary>
    public static void Apply(ReadOnlySpan<byte> usageJson, ref TokenUsage usage, ref long input, ref long cacheRead, ref long cacheCreation)
    {
        input = JsonProbe.Number(usageJson, "input_tokens"u8, input);
        cacheRead = JsonProbe.Number(usageJson, "cache_read_input_tokens"u8, cacheRead);
        cacheCreation = JsonProbe.Number(usageJson, "cache_creation_input_tokens"u8, cacheCreation);
        usage.CompletionTokens = JsonProbe.Number(usageJson, "output_tokens"u8, usage.CompletionTokens);
        usage.PromptTokens = input + cacheRead + cacheCreation;
        usage.CachedPromptTokens = cacheRead;
        usage.IsKnown = true;
    }
}
