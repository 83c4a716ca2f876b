using MassRouter.Gateway.Transforms.Translation;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Bedrock;

/// <summary>
/// Converse <c>usage</c> → OpenAI usage. As in Anthropic's API, Bedrock's <c>inputTokens</c> leaves out the tokens read
/// from and written to the prompt cache (<c>cacheReadInputTokens</c>, <c>cacheWriteInputTokens</c>), which are billed at
/// their own rates; OpenAI's <c>prompt_tokens</c> includes cached tokens, so prompt = input + cache read + cache write and
/// cached = cache read (see <c>AnthropicUsage</c>). Reasoning is billed as output and not counted apart.
/// </summary>
internal static class BedrockUsage
{
    public static TokenUsage Read(ReadOnlySpan<byte> usage)
    {
        long input = 0, output = 0, cacheRead = 0, cacheWrite = 0;
        var properties = new JsonProperties(usage);
        while (properties.Next(out var name, out var value))
        {
            if (name.SequenceEqual("inputTokens"u8))
            {
                input = JsonProbe.Number(value);
            }
            else if (name.SequenceEqual("outputTokens"u8))
            {
                output = JsonProbe.Number(value);
            }
            else if (name.SequenceEqual("cacheReadInputTokens"u8))
            {
                cacheRead = JsonProbe.Number(value);
            }
            else if (name.SequenceEqual("cacheWriteInputTokens"u8))
            {
                cacheWrite = JsonProbe.Number(value);
            }
        }

        return new TokenUsage(input + cacheRead + cacheWrite, output, cacheRead, 0) { IsKnown = true };
    }
}
