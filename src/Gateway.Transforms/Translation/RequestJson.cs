using System.Globalization;
using System.Text.Json;

namespace MassRouter.Gateway.Transforms.Translation;

/// <summary>
/// How client request bodies are read on every route (<c>/v1/chat/completions</c>, <c>/v1/messages</c>, and the translators
/// behind them): one nesting limit, so a body one reader accepts is not refused by the next.
/// </summary>
public static class RequestJson
{
    /// <summary>The deepest nesting of objects and arrays a request may have (System.Text.Json's default is 64).</summary>
    public const int MaxDepth = 256;

    /// <summary>Options for a <see cref="Utf8JsonReader"/> over a request body.</summary>
    public static JsonReaderOptions ReaderOptions => new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = MaxDepth };

    /// <summary>Options for a <see cref="JsonDocument"/> of a request body.</summary>
    public static JsonDocumentOptions DocumentOptions => new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = MaxDepth };

    /// <summary>
    /// Reads a JSON number token (<paramref name="number"/>, its raw UTF-8) as an integer within [<paramref name="min"/>,
    /// <paramref name="max"/>]. Integral values written as decimals or with an exponent (<c>100.0</c>, <c>1e3</c>) count.
    /// </summary>
    internal static JsonInteger ReadInteger(ReadOnlySpan<byte> number, long min, long max, out long value)
    {
        if (!long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) || double.IsNaN(real))
            {
                return JsonInteger.Fraction;
            }

            if (Math.Floor(real) != real)
            {
                return JsonInteger.Fraction;
            }

            // Beyond long's range (infinity included): 2^63 is the first double above long.MaxValue.
            if (real >= 9223372036854775808d || real < long.MinValue)
            {
                return real > 0 ? JsonInteger.TooLarge : JsonInteger.TooSmall;
            }

            value = (long)real;
        }

        return value > max ? JsonInteger.TooLarge : value < min ? JsonInteger.TooSmall : JsonInteger.Integer;
    }

    /// <summary>True when a JSON number token is within a double's range (<c>1e400</c> is not).</summary>
    internal static bool IsFinite(ReadOnlySpan<byte> number) =>
        double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real);

    /// <summary>True when a JSON number token is written as a whole number (what OpenAI calls an integer, not a decimal).</summary>
    internal static bool IsIntegral(ReadOnlySpan<byte> number) => ReadInteger(number, long.MinValue, long.MaxValue, out _) != JsonInteger.Fraction;

    /// <summary>The <see cref="JsonValueKind"/> of the value a reader's token starts.</summary>
    internal static JsonValueKind KindOf(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => JsonValueKind.Object,
        JsonTokenType.StartArray => JsonValueKind.Array,
        JsonTokenType.String => JsonValueKind.String,
        JsonTokenType.Number => JsonValueKind.Number,
        JsonTokenType.True => JsonValueKind.True,
        JsonTokenType.False => JsonValueKind.False,
        JsonTokenType.Null => JsonValueKind.Null,
        _ => JsonValueKind.Undefined,
    };
}
