using System.Text.Json;
using System.Text.RegularExpressions;
using CsCheck;
using MassRouter.Gateway.Metering;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>
/// The hand-written ASCII pre-tokenizer cuts exactly the pieces the o200k regex cuts: at every piece the regex finds, it
/// answers that piece's length, or 0 (leave it to the regex) — and 0 only where the decision needs a character outside
/// ASCII. Checked piece by piece on random text built from the characters and sequences the pattern treats specially.
/// </summary>
public class O200kAsciiPiecesTests
{
    private static readonly string[] Tricky =
    [
        "'s", "'S", "'t", "'re", "'RE", "'Ve", "'m", "'ll", "'LL", "'lL", "'d", "'r", "'l", "'v", "'x", "''", "'",
        " ", "  ", "   ", "\t", "\v", "\f", "\r", "\n", "\r\n", " \n", "\n ", " \r\n ", "\n\n",
        "/", "//", "/\n", "\n/", ".\n/", "?!", "...", "$", "#", "@", "\0", "\u001f", "\u001c", "\u007f",
        "123", "4567", "9", "HTML", "Parser", "HTMLParser", "iPhone", "camelCase", "A", "a", "Z", "z",
    ];

    private static readonly string[] NonAscii = ["é", "É", "ß", "ǅ", "ʰ", "中", "\u0301", "٣", "²", "\u00a0", "\u0085", "\u2028", "\u3000", "—", "😊", "ſ", "\u212a"];

    /// <summary>Mostly ASCII (every ASCII character can appear), with some text outside it to show the hand-over.</summary>
    private static readonly Gen<string> Text = Gen.Frequency(
            (6, Gen.OneOf(Tricky)),
            (4, Gen.Char[(char)0, (char)127].Array[1, 8].Select(chars => new string(chars))),
            (3, Gen.Char["aAbBzZ09 \t\r\n'.,/-_"].Array[1, 10].Select(chars => new string(chars))),
            (1, Gen.OneOf(NonAscii)))
        .Array[0, 30]
        .Select(parts => string.Concat(parts));

    [Fact]
    public void TheClassesAreTheRegexsOwn_ForEveryAsciiCharacter()
    {
        for (var c = (char)0; c < 128; c++)
        {
            var s = c.ToString();
            var expected = Regex.IsMatch(s, @"^[\r\n]$") ? O200kAsciiPieces.Newline
                : s == " " ? O200kAsciiPieces.Space
                : Regex.IsMatch(s, @"^\s$") ? O200kAsciiPieces.OtherSpace
                : Regex.IsMatch(s, @"^\p{Lu}$") ? O200kAsciiPieces.Upper
                : Regex.IsMatch(s, @"^\p{Ll}$") ? O200kAsciiPieces.Lower
                : Regex.IsMatch(s, @"^\p{N}$") ? O200kAsciiPieces.Digit
                : Regex.IsMatch(s, @"^[\p{L}\p{M}]$") ? byte.MaxValue
                : O200kAsciiPieces.Other;
            Assert.True(expected == O200kAsciiPieces.ClassOf(c), $"U+{(int)c:X4}: the regex says class {expected}, the table {O200kAsciiPieces.ClassOf(c)}");
        }
    }

    [Fact]
    public void EveryPiece_IsTheRegexsPiece_OrLeftToTheRegex()
    {
        Text.Sample(AssertSamePieces, iter: 20_000, print: text => JsonSerializer.Serialize(text));
    }

    [Theory]
    [InlineData("Hello world, it's 2026!\n\n  Don't PANIC: HTMLParser's   x\t\ty 12345 /path/to\r\n/x")]
    [InlineData("  \n  x")]
    [InlineData("end with spaces   ")]
    [InlineData(".\n/.")]
    [InlineData("WE'LL SEE'S'")]
    public void KnownText_IsCutLikeTheRegex(string text) => AssertSamePieces(text);

    [Fact]
    public void AsciiText_IsNeverLeftToTheRegex()
    {
        Gen.Char[(char)0, (char)127].Array[1, 60].Select(chars => new string(chars)).Sample(text =>
        {
            var at = 0;
            foreach (var match in O200kTokenCounter.Pieces().EnumerateMatches(text))
            {
                Assert.Equal(match.Length, O200kAsciiPieces.Next(text.AsSpan(at)));
                at += match.Length;
            }
        }, iter: 5_000, print: text => JsonSerializer.Serialize(text));
    }

    private static void AssertSamePieces(string text)
    {
        var at = 0;
        foreach (var match in O200kTokenCounter.Pieces().EnumerateMatches(text))
        {
            // The pieces tile the text: each starts where the last ended.
            Assert.Equal(at, match.Index);
            var length = O200kAsciiPieces.Next(text.AsSpan(at));
            if (length == 0)
            {
                // Left to the regex: only when something outside ASCII is within reach of the decision: the piece and the
                // three characters after it (a contraction), or, for whitespace, the character after the whole run.
                var run = at;
                while (run < text.Length && text[run] is ' ' or '\t' or '\v' or '\f' or '\r' or '\n')
                {
                    run++;
                }

                var reach = text.AsSpan(at, Math.Min(text.Length - at, Math.Max(match.Length + 3, run - at + 1)));
                Assert.True(reach.ContainsAnyExceptInRange((char)0, (char)127), $"piece {JsonSerializer.Serialize(text.Substring(at, match.Length))} at {at} left to the regex without need");
            }
            else
            {
                Assert.True(length == match.Length, $"at {at}: the regex cuts {JsonSerializer.Serialize(text.Substring(at, match.Length))}, the ASCII cutter {JsonSerializer.Serialize(text.Substring(at, Math.Min(length, text.Length - at)))}");
            }

            at += match.Length;
        }

        Assert.Equal(text.Length, at);
    }
}
