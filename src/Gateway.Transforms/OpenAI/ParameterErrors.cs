using System.Globalization;
using System.Text;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.OpenAI;

/// <summary>
/// A request parameter of the wrong type, out of range or missing, in OpenAI's own words and codes (<c>Invalid type for
/// 'max_tokens': expected an integer, but got a string instead.</c>, <c>invalid_type</c>), <c>param</c> naming it. Shared by the
/// request parser and the translators, so a bad value reads the same whichever of them finds it.
/// </summary>
internal static class ParameterErrors
{
    /// <summary>A value of the wrong JSON type; <paramref name="expected"/> says what was wanted ("an integer").</summary>
    public static RequestError WrongType(string param, string expected, JsonValueKind got, ReadOnlySpan<byte> raw) =>
        new($"Invalid type for '{param}': expected {expected}, but got {Describe(got, raw)} instead.", param, "invalid_type");

    /// <summary>A required parameter that is absent.</summary>
    public static RequestError Missing(string param) =>
        new($"Missing required parameter: '{param}'.", param, "missing_required_parameter");

    /// <summary>
    /// Reads the number token <paramref name="raw"/> as an integer within [<paramref name="min"/>, <paramref name="max"/>];
    /// false with the error a decimal or an out-of-range integer gets.
    /// </summary>
    public static bool TryReadInteger(string param, ReadOnlySpan<byte> raw, long min, long max, out long value, out RequestError error)
    {
        error = default;
        switch (RequestJson.ReadInteger(raw, min, max, out value))
        {
            case JsonInteger.Integer:
                return true;
            case JsonInteger.Fraction:
                error = WrongType(param, "an integer", JsonValueKind.Number, raw);
                return false;
            case JsonInteger.TooLarge:
                error = new($"Invalid '{param}': integer above maximum value. Expected a value <= {max.ToString(CultureInfo.InvariantCulture)}, but got {Encoding.UTF8.GetString(raw)} instead.", param, "integer_above_max_value");
                return false;
            default:
                error = new($"Invalid '{param}': integer below minimum value. Expected a value >= {min.ToString(CultureInfo.InvariantCulture)}, but got {Encoding.UTF8.GetString(raw)} instead.", param, "integer_below_min_value");
                return false;
        }
    }

    /// <summary>
    /// Reads the number token <paramref name="raw"/> as a double; false with the error a number beyond a double's range
    /// (<c>1e400</c>) gets, which a provider would read as infinity or not at all.
    /// </summary>
    public static bool TryReadDecimal(string param, ReadOnlySpan<byte> raw, out RequestError error)
    {
        error = default;
        if (RequestJson.IsFinite(raw))
        {
            return true;
        }

        var above = raw[0] != (byte)'-';
        error = new(
            $"Invalid '{param}': decimal {(above ? "above maximum" : "below minimum")} value. Expected a finite number, but got {Encoding.UTF8.GetString(raw)} instead.",
            param,
            above ? "decimal_above_max_value" : "decimal_below_min_value");
        return false;
    }

    private static string Describe(JsonValueKind kind, ReadOnlySpan<byte> raw) => kind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => RequestJson.IsIntegral(raw) ? "an integer" : "a decimal",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => "null",
    };
}
