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
        long prompt = 0, toolPrompt = 0, candidates = 0, thoughts = 0, cached = 0;
        var properties = new JsonProperties(usageMetadata);
        while (properties.Next(out var name, out var value))
        {
            if (name.SequenceEqual("promptTokenCount"u8))
            {
                prompt = JsonProbe.Number(value);
            }
            else if (name.SequenceEqual("candidatesTokenCount"u8))
            {
                candidates = JsonProbe.Number(value);
            }
            else if (name.SequenceEqual("thoughtsTokenCount"u8))
            {
                thoughts = JsonProbe.Number(value);
            }
            else if (name.SequenceEqual("cachedContentTokenCount"u8))
            {
                cached = JsonProbe.Number(value);
            }
            else if (name.SequenceEqual("toolUsePromptTokenCount"u8))
            {
                toolPrompt = JsonProbe.Number(value);
            }
        }

        return new TokenUsage(prompt + toolPrompt, candidates + thoughts, cached, thoughts) { IsKnown = true };
    }
}
