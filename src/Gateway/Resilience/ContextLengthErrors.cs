using System.Text;

namespace MassRouter.Gateway.Resilience;

/// <summary>
/// Recognises a provider's refusal of a request too long for the model's context window, in each provider's words:
/// OpenAI's <c>context_length_exceeded</c> (Azure, Groq and DeepSeek say it the same way; vLLM and Mistral "maximum
/// context length"), Anthropic's "prompt is too long" and "exceed context limit", Gemini's "exceeds the maximum number of
/// tokens", Cohere's "too many tokens", Bedrock's "Input is too long". Such a request may fit another model, so the
/// request's fallbacks get it (as OpenRouter's <c>models</c> do), where any other client error is returned at once.
/// </summary>
internal static class ContextLengthErrors
{
    private static readonly byte[][] Markers =
    [
        .. new[]
        {
            "context_length_exceeded", "maximum context length", "context window", "context limit", "prompt is too long",
            "input is too long", "too many tokens", "exceeds the maximum number of tokens",
        }.Select(Encoding.UTF8.GetBytes),
    ];

    /// <summary>Whether <paramref name="errorBody"/> (a 400 or 413 answer) says the request exceeds the model's context.</summary>
    public static bool Match(ReadOnlySpan<byte> errorBody)
    {
        // Error bodies are small; a large one is looked at only as far as its first 64 KB.
        var text = errorBody[..Math.Min(errorBody.Length, 64 * 1024)];
        var lower = text.Length <= 1024 ? stackalloc byte[text.Length] : new byte[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            var b = text[i];
            lower[i] = b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;
        }

        foreach (var marker in Markers)
        {
            if (lower.IndexOf(marker) >= 0)
            {
                return true;
            }
        }

        return false;
    }
}
