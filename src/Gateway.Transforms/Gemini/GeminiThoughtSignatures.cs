namespace MassRouter.Gateway.Transforms.Gemini;

/// <summary>
/// Gemini 3 rejects a conversation whose earlier function calls come back without the <c>thoughtSignature</c> it
/// attached to them. OpenAI clients keep nothing but the tool call id, so the signature travels inside it:
/// <c>{id}__thought__{signature}</c>; the request writer splits it off again.
/// </summary>
internal static class GeminiThoughtSignatures
{
    public const string Separator = "__thought__";

    public static ReadOnlySpan<byte> SeparatorUtf8 => "__thought__"u8;

    /// <summary>The signature carried by a tool call id, or null.</summary>
    public static string? FromCallId(string? id)
    {
        var at = id?.IndexOf(Separator, StringComparison.Ordinal) ?? -1;
        return at < 0 ? null : id![(at + Separator.Length)..];
    }
}
