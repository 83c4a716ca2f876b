namespace MassRouter.Gateway.Metering;

/// <summary>
/// The o200k pre-tokenizer pattern (<see cref="O200kTokenCounter"/>) decided by hand for ASCII text, where its character
/// classes are plain ranges: the same pieces as the regex, several times faster. Anything outside ASCII that the
/// decision would have to look at is left to the regex (<see cref="Next"/> answers 0), which then takes that piece.
/// </summary>
/// <remarks>
/// The pattern's alternatives, tried in order at each position (none looks behind, so a piece depends only on the text
/// from its start; every position starts one, so the pieces tile the text):
/// <list type="number">
/// <item>an optional prefix (not a newline, letter or digit), uppercase letters, lowercase letters (at least one), an optional contraction;</item>
/// <item>an optional prefix, uppercase letters (at least one), lowercase letters, an optional contraction;</item>
/// <item>one to three digits;</item>
/// <item>an optional space, a run of what is neither whitespace, letter nor digit, then any newlines and slashes;</item>
/// <item>whitespace up to and including its last newline;</item>
/// <item>whitespace not followed by a non-space: a run but its last character, unless the run ends the text;</item>
/// <item>whitespace.</item>
/// </list>
/// </remarks>
internal static class O200kAsciiPieces
{
    // Character classes (ASCII only; the regex's \s is tab, line feed, vertical tab, form feed, carriage return and space).
    internal const byte End = 0;
    internal const byte Upper = 1;
    internal const byte Lower = 2;
    internal const byte Digit = 3;
    internal const byte Space = 4;
    internal const byte OtherSpace = 5;
    internal const byte Newline = 6;
    internal const byte Other = 7;
    internal const byte NotAscii = 8;

    private static readonly byte[] Classes = BuildClasses();

    /// <summary>
    /// The length of the piece that starts <paramref name="text"/> (not empty), or 0 when deciding it needs a character
    /// outside ASCII.
    /// </summary>
    public static int Next(ReadOnlySpan<char> text)
    {
        var first = ClassAt(text, 0);
        switch (first)
        {
            case Upper or Lower:
                return Letters(text, 0);
            case Digit:
                return Digits(text);
            case NotAscii:
                return 0;
        }

        // A prefix (space, other whitespace but a newline, or anything else) before letters: alternatives 1 and 2.
        var second = ClassAt(text, 1);
        if (second == NotAscii)
        {
            return 0;
        }

        if (first != Newline && second is Upper or Lower)
        {
            return Letters(text, 1);
        }

        // Alternative 4: an optional space, then a run of "other" characters, then newlines and slashes.
        if (first == Other || (first == Space && second == Other))
        {
            var at = first == Other ? 0 : 1;
            while (ClassAt(text, at) == Other)
            {
                at++;
            }

            while (ClassAt(text, at) is var next && (next == Newline || (next == Other && text[at] == '/')))
            {
                at++;
            }

            return ClassAt(text, at) == NotAscii ? 0 : at;
        }

        return Whitespace(text);
    }

    /// <summary>Alternatives 1 and 2 from <paramref name="start"/> (the first letter), with a prefix before it when 1.</summary>
    private static int Letters(ReadOnlySpan<char> text, int start)
    {
        var at = start;
        while (ClassAt(text, at) == Upper)
        {
            at++;
        }

        while (ClassAt(text, at) == Lower)
        {
            at++;
        }

        // A letter outside ASCII would continue the run (or a mark, which joins either).
        if (ClassAt(text, at) == NotAscii)
        {
            return 0;
        }

        return Contraction(text, at) is var contraction and >= 0 ? at + contraction : 0;
    }

    /// <summary>The length of the contraction at <paramref name="at"/> (0: none), or -1 when it needs a character outside ASCII.</summary>
    private static int Contraction(ReadOnlySpan<char> text, int at)
    {
        if (at >= text.Length || text[at] != '\'')
        {
            return 0;
        }

        var first = ClassAt(text, at + 1);
        if (first == NotAscii)
        {
            return -1;
        }

        if (first is not (Upper or Lower))
        {
            return 0;
        }

        switch (text[at + 1] | 0x20)
        {
            case 's' or 't' or 'm' or 'd':
                return 2;
            case 'r' or 'v' or 'l':
                var second = ClassAt(text, at + 2);
                if (second == NotAscii)
                {
                    return -1;
                }

                var expected = (text[at + 1] | 0x20) == 'l' ? 'l' : 'e';
                return second is Upper or Lower && (text[at + 2] | 0x20) == expected ? 3 : 0;
            default:
                return 0;
        }
    }

    /// <summary>Alternative 3: up to three digits (a digit outside ASCII could be one of them).</summary>
    private static int Digits(ReadOnlySpan<char> text)
    {
        var at = 1;
        while (at < 3 && ClassAt(text, at) == Digit)
        {
            at++;
        }

        return at < 3 && ClassAt(text, at) == NotAscii ? 0 : at;
    }

    /// <summary>Alternatives 5, 6 and 7, for a run of whitespace that starts the text.</summary>
    private static int Whitespace(ReadOnlySpan<char> text)
    {
        var end = 0;
        var lastNewline = -1;
        while (ClassAt(text, end) is var cls && cls is Space or OtherSpace or Newline)
        {
            if (cls == Newline)
            {
                lastNewline = end;
            }

            end++;
        }

        if (ClassAt(text, end) == NotAscii)
        {
            // It could be whitespace too, or decide the lookahead.
            return 0;
        }

        if (lastNewline >= 0)
        {
            return lastNewline + 1;
        }

        return end == text.Length || end == 1 ? end : end - 1;
    }

    private static byte ClassAt(ReadOnlySpan<char> text, int at)
    {
        if ((uint)at >= (uint)text.Length)
        {
            return End;
        }

        var c = text[at];
        return c < 128 ? Classes[c] : NotAscii;
    }

    private static byte[] BuildClasses()
    {
        var classes = new byte[128];
        for (var c = 0; c < 128; c++)
        {
            classes[c] = c switch
            {
                >= 'A' and <= 'Z' => Upper,
                >= 'a' and <= 'z' => Lower,
                >= '0' and <= '9' => Digit,
                ' ' => Space,
                '\r' or '\n' => Newline,
                '\t' or '\v' or '\f' => OtherSpace,
                _ => Other,
            };
        }

        return classes;
    }

    /// <summary>The class of an ASCII character, for tests that hold the table to the regex's own classes.</summary>
    internal static byte ClassOf(char c) => c < 128 ? Classes[c] : NotAscii;
}
