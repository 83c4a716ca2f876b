namespace MassRouter.Gateway.Transforms.Ingress.Responses;

/// <summary>The Responses API's <c>incomplete_details.reason</c> for a chat finish_reason; empty when the answer is complete.</summary>
internal static class ResponsesIncompleteReason
{
    public static readonly byte[] None = [];

    public static readonly byte[] MaxOutputTokens = "max_output_tokens"u8.ToArray();

    public static readonly byte[] ContentFilter = "content_filter"u8.ToArray();

    /// <summary>
    /// length and content_filter leave the response incomplete; stop, tool_calls, function_call and any other reason a
    /// provider invents complete it.
    /// </summary>
    public static byte[] FromFinishReason(ReadOnlySpan<byte> finishReason) =>
        finishReason.SequenceEqual("length"u8) ? MaxOutputTokens
        : finishReason.SequenceEqual("content_filter"u8) ? ContentFilter
        : None;
}
