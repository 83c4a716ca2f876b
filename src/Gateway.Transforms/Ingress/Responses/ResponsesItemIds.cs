namespace MassRouter.Gateway.Transforms.Ingress.Responses;

/// <summary>Output item ids derive from the response id: <c>resp_abc</c> gives <c>msg_abc</c>, <c>rs_abc</c>, <c>fc_abc_0</c>.</summary>
internal static class ResponsesItemIds
{
    /// <summary>The part of <paramref name="responseId"/> item ids share: the id without its <c>resp_</c> prefix.</summary>
    public static string Suffix(string responseId) =>
        responseId.StartsWith("resp_", StringComparison.Ordinal) ? responseId["resp_".Length..] : responseId;
}
