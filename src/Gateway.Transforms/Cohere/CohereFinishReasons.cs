namespace MassRouter.Gateway.Transforms.Cohere;

/// <summary>Cohere <c>finish_reason</c> → OpenAI <c>finish_reason</c>.</summary>
internal static class CohereFinishReasons
{
    public static ReadOnlySpan<byte> Map(ReadOnlySpan<byte> reason) => reason switch
    {
        _ when reason.SequenceEqual("MAX_TOKENS"u8) => "length"u8,
        _ when reason.SequenceEqual("TOOL_CALL"u8) => "tool_calls"u8,

        // COMPLETE, STOP_SEQUENCE (ERROR and TIMEOUT are turned into error events by the stream translator).
        _ => "stop"u8,
    };

    public static bool IsError(ReadOnlySpan<byte> reason) => reason.SequenceEqual("ERROR"u8) || reason.SequenceEqual("TIMEOUT"u8);
}
