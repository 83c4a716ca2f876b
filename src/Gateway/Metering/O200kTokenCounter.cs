using System.Buffers;
using System.Text.RegularExpressions;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// Counts o200k_base tokens exactly as Microsoft.ML.Tokenizers' <c>TiktokenTokenizer.CountTokens</c> does for this
/// encoding: the special tokens are one token each, the text between them is split by tiktoken's o200k pattern, and each
/// piece is one token when it is in the vocabulary or byte-pair merged otherwise. Thread-safe; no allocation per call
/// except for pieces too long for the stack.
/// </summary>
internal sealed partial class O200kTokenCounter(O200kVocabulary vocabulary)
{
    // tiktoken's o200k_base pattern (tiktoken_ext/openai_public.py), as Microsoft.ML.Tokenizers writes it for .NET.
    private const string Pattern =
        @"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
        + @"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
        + @"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private const string EndOfText = "<|endoftext|>";
    private const string EndOfPrompt = "<|endofprompt|>";

    /// <summary>Pieces up to this many UTF-16 chars are encoded on the stack (3 UTF-8 bytes per char at most).</summary>
    private const int StackChars = 256;

    public O200kVocabulary Vocabulary { get; } = vocabulary;

    public static O200kTokenCounter Load() => new(O200kVocabulary.Load());

    public int Count(ReadOnlySpan<char> text)
    {
        var total = 0;
        while (!text.IsEmpty)
        {
            var special = IndexOfSpecial(text, out var specialLength);
            if (special < 0)
            {
                return total + CountOrdinary(text);
            }

            // Microsoft's pre-tokenizer splits the special tokens out first and matches the pattern between them, so a
            // lookahead at a special token's edge sees the end of the text.
            total += CountOrdinary(text[..special]) + 1;
            text = text[(special + specialLength)..];
        }

        return total;
    }

    [GeneratedRegex(Pattern, RegexOptions.None)]
    internal static partial Regex Pieces();

    private static int IndexOfSpecial(ReadOnlySpan<char> text, out int length)
    {
        var offset = 0;
        while (true)
        {
            var at = text[offset..].IndexOf("<|", StringComparison.Ordinal);
            if (at < 0)
            {
                length = 0;
                return -1;
            }

            offset += at;
            var rest = text[offset..];
            if (rest.StartsWith(EndOfText, StringComparison.Ordinal))
            {
                length = EndOfText.Length;
                return offset;
            }

            if (rest.StartsWith(EndOfPrompt, StringComparison.Ordinal))
            {
                length = EndOfPrompt.Length;
                return offset;
            }

            offset++;
        }
    }

    private int CountOrdinary(ReadOnlySpan<char> text)
    {
        var total = 0;
        while (!text.IsEmpty)
        {
            var length = O200kAsciiPieces.Next(text);
            if (length > 0)
            {
                total += CountPiece(text[..length]);
                text = text[length..];
                continue;
            }

            // Outside ASCII: the regex takes pieces until one ends before ASCII again. It is matched from a piece's start,
            // which is where its own scan would have resumed (the pattern looks ahead, never behind).
            var consumed = 0;
            foreach (var match in Pieces().EnumerateMatches(text))
            {
                total += CountPiece(text.Slice(match.Index, match.Length));
                consumed = match.Index + match.Length;
                if (consumed < text.Length && text[consumed] < 128)
                {
                    break;
                }
            }

            // Every position starts a piece, so the regex always takes one; should it not, the rest is left uncounted, as
            // the regex alone would leave it.
            text = consumed == 0 ? default : text[consumed..];
        }

        return total;
    }

    private int CountPiece(ReadOnlySpan<char> piece)
    {
        byte[]? rented = null;
        var buffer = piece.Length <= StackChars
            ? stackalloc byte[piece.Length * 3]
            : (rented = ArrayPool<byte>.Shared.Rent(piece.Length * 3));
        try
        {
            var bytes = buffer[..EncodeUtf8(piece, buffer)];

            // Only a shortcut: every o200k token merges back to itself from its bytes (a test holds that), so Microsoft's
            // whole-piece lookup by decoded string, which skips tokens that decode to U+FFFD, gives the same counts.
            if (bytes.Length == 1 || Vocabulary.RankOf(bytes) >= 0)
            {
                return 1;
            }

            return BytePairMerge.Count(Vocabulary, bytes);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// UTF-8 as Microsoft encodes it: a lone surrogate becomes the three bytes of its code unit (not U+FFFD's), which
    /// then merge like any other bytes.
    /// </summary>
    private static int EncodeUtf8(ReadOnlySpan<char> text, Span<byte> destination)
    {
        var written = 0;
        for (var i = 0; i < text.Length; i++)
        {
            uint c = text[i];
            if (c <= 0x7F)
            {
                destination[written++] = (byte)c;
            }
            else if (c <= 0x7FF)
            {
                destination[written++] = (byte)(0xC0 | (c >> 6));
                destination[written++] = (byte)(0x80 | (c & 0x3F));
            }
            else if (char.IsHighSurrogate((char)c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var scalar = (uint)char.ConvertToUtf32((char)c, text[++i]);
                destination[written++] = (byte)(0xF0 | (scalar >> 18));
                destination[written++] = (byte)(0x80 | ((scalar >> 12) & 0x3F));
                destination[written++] = (byte)(0x80 | ((scalar >> 6) & 0x3F));
                destination[written++] = (byte)(0x80 | (scalar & 0x3F));
            }
            else
            {
                destination[written++] = (byte)(0xE0 | (c >> 12));
                destination[written++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                destination[written++] = (byte)(0x80 | (c & 0x3F));
            }
        }

        return written;
    }
}
