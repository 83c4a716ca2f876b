using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.Anthropic;

/// <summary>Anthropic <c>stop_reason</c> → OpenAI <c>finish_reason</c>.</summary>
internal static class AnthropicFinishReasons
{
    public static ReadOnlySpan<byte> Map(ReadOnlySpan<byte> stopReason) => stopReason switch
    {
        _ when stopReason.SequenceEqual("max_tokens"u8) || stopReason.SequenceEqual("model_context_window_exceeded"u8) => "length"u8,
        _ when stopReason.SequenceEqual("tool_use"u8) => "tool_calls"u8,
        _ when stopReason.SequenceEqual("refusal"u8) => "content_filter"u8,

        // end_turn, stop_sequence, pause_turn and anything new: the turn ended normally.
        _ => "stop"u8,
    };

    public static string Map(string? stopReason) => stopReason switch
    {
        "max_tokens" or "model_context_window_exceeded" => FinishReasons.Length,
        "tool_use" => FinishReasons.ToolCalls,
        "refusal" => FinishReasons.ContentFilter,
        _ => FinishReasons.Stop,
    };
}
