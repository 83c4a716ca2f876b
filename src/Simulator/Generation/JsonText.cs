using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MassRouter.Simulator.Generation;

/// <summary>Writes values into hand-assembled JSON: quoted strings (escaped like the providers do) and raw UTF-8 escaped in place.</summary>
internal static class JsonText
{
    private static readonly JavaScriptEncoder _encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>Writes <paramref name="value"/> as a quoted JSON string.</summary>
    public static void WriteString(IBufferWriter<byte> writer, string value)
    {
        writer.Write("\""u8);
        writer.Write(JsonEncodedText.Encode(value, _encoder).EncodedUtf8Bytes);
        writer.Write("\""u8);
    }

    /// <summary>Writes UTF-8 text escaped for the inside of a JSON string (no quotes): used for JSON carried in a string.</summary>
    public static void WriteEscaped(IBufferWriter<byte> writer, ReadOnlySpan<byte> utf8)
    {
        while (!utf8.IsEmpty)
        {
            var span = writer.GetSpan(Math.Max(16, utf8.Length * 6));
            var status = _encoder.EncodeUtf8(utf8, span, out var consumed, out var written);
            writer.Advance(written);
            utf8 = utf8[consumed..];
            if (status == OperationStatus.InvalidData)
            {
                throw new InvalidOperationException("Tool arguments are not valid UTF-8.");
            }
        }
    }

    /// <summary>Writes text tokens [first, first + count) of the vocabulary (plain ASCII, nothing to escape).</summary>
    public static void WriteTokens(IBufferWriter<byte> writer, int first, int count)
    {
        for (var i = first; i < first + count; i++)
        {
            writer.Write(TokenVocabulary.Get(i));
        }
    }
}
