using MassRouter.Gateway.Transforms.Translation;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Gemini;

/// <summary>
/// Gemini <c>usageMetadata</c> → OpenAI usage. Gemini repeats cumulative figures on every chunk, so each one
/// replaces the last. Thinking tokens are billed as output: completion = candidates + thoughts, reasoning = thoughts.
/// <c>promptTokenCount</c> already includes cached content; tool-use prompt tokens are added to the prompt.
/// </summary>
internal static class GeminiUsage
{
    public static TokenUsage Read(ReadOnlySpan<byte> usageMetadata)
    {
        var thoughts = JsonProbe.Number(usageMetadata, "thoughtsTokenCount"u8, 0);
        return new TokenUsage(
            JsonProbe.Number(usageMetadata, "promptTokenCount"u8, 0) + JsonProbe.Number(usageMetadata, "toolUsePromptTokenCount"u8, 0),
            JsonProbe.Number(usageMetadata, "candidatesTokenCount"u8, 0) + thoughts,
            JsonProbe.Number(usageMetadata, "cachedContentTokenCount"u8, 0),
            thoughts)
        {
            IsKnown = true,
        };
    }
}
