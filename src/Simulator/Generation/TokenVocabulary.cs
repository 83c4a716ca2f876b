namespace MassRouter.Simulator.Generation;

/// <summary>The deterministic word sequence generated answers are made of; token i is <c>Get(i)</c>.</summary>
internal static class TokenVocabulary
{
    // Plain ASCII without JSON-special characters, so the UTF-8 bytes can be written into JSON strings as they are.
    private static readonly byte[][] _tokens =
    [
        .. new[]
        {
            "Hello", " from", " the", " MassRouter", " simulator", ".", " This", " answer", " is",
            " generated", " one", " token", " at", " a", " time", " for", " testing", " and",
            " benchmarking", " the", " gateway", ".",
        }.Select(System.Text.Encoding.UTF8.GetBytes),
    ];

    public static ReadOnlySpan<byte> Get(int index) => _tokens[index % _tokens.Length];

    /// <summary>Total UTF-8 length of tokens [first, first + count).</summary>
    public static int Utf8Length(int first, int count)
    {
        var length = 0;
        for (var i = first; i < first + count; i++)
        {
            length += Get(i).Length;
        }

        return length;
    }
}
