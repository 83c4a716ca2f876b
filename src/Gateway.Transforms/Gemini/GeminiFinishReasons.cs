namespace MassRouter.Gateway.Transforms.Gemini;

/// <summary>Gemini <c>finishReason</c> → OpenAI <c>finish_reason</c>.</summary>
internal static class GeminiFinishReasons
{
    public static ReadOnlySpan<byte> Map(ReadOnlySpan<byte> reason, bool hadToolCalls)
    {
        if (reason.SequenceEqual("MAX_TOKENS"u8))
        {
            return "length"u8;
        }

        if (reason.SequenceEqual("SAFETY"u8) || reason.SequenceEqual("RECITATION"u8) || reason.SequenceEqual("BLOCKLIST"u8)
            || reason.SequenceEqual("PROHIBITED_CONTENT"u8) || reason.SequenceEqual("SPII"u8) || reason.SequenceEqual("IMAGE_SAFETY"u8))
        {
            return "content_filter"u8;
        }

        // Gemini ends a turn that called functions with STOP; OpenAI clients look for tool_calls.
        return hadToolCalls ? "tool_calls"u8 : "stop"u8;
    }
}
