namespace MassRouter.Gateway.Transforms.Ingress.Anthropic;

/// <summary>OpenAI finish reasons as Anthropic stop reasons.</summary>
internal static class AnthropicStopReason
{
    /// <summary>
    /// stop → end_turn, length → max_tokens, tool_calls/function_call → tool_use, content_filter → refusal. Unknown or
    /// missing reasons read as end_turn, the one every client handles. The result is a quoted JSON string.
    /// </summary>
    public static ReadOnlySpan<byte> FromFinishReason(ReadOnlySpan<byte> finishReason) =>
        finishReason.SequenceEqual("length"u8) ? "\"max_tokens\""u8
        : finishReason.SequenceEqual("tool_calls"u8) || finishReason.SequenceEqual("function_call"u8) ? "\"tool_use\""u8
        : finishReason.SequenceEqual("content_filter"u8) ? "\"refusal\""u8
        : "\"end_turn\""u8;
}
