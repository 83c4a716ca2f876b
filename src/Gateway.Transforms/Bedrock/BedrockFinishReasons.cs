namespace MassRouter.Gateway.Transforms.Bedrock;

/// <summary>Converse <c>stopReason</c> → OpenAI <c>finish_reason</c>.</summary>
internal static class BedrockFinishReasons
{
    public static ReadOnlySpan<byte> Map(ReadOnlySpan<byte> stopReason) => stopReason switch
    {
        _ when stopReason.SequenceEqual("max_tokens"u8) || stopReason.SequenceEqual("model_context_window_exceeded"u8) => "length"u8,
        _ when stopReason.SequenceEqual("tool_use"u8) => "tool_calls"u8,
        _ when stopReason.SequenceEqual("guardrail_intervened"u8) || stopReason.SequenceEqual("content_filtered"u8) => "content_filter"u8,

        // end_turn, stop_sequence and anything new: the turn ended normally.
        _ => "stop"u8,
    };
}
