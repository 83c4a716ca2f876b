using System.Text.Json;

namespace MassRouter.Gateway.Transforms.OpenAI;

/// <summary>
/// The end user a request is made for, as the client names it to the provider (OpenAI's <c>user</c> or
/// <c>safety_identifier</c>, Anthropic's <c>metadata.user_id</c>): read so the usage ledger can say what each of an app's
/// own users cost. The provider validates the field; the gateway only keeps the first <see cref="MaxLength"/> characters.
/// </summary>
public static class EndUser
{
    /// <summary>The most characters of an end-user id the ledger keeps.</summary>
    public const int MaxLength = 256;

    /// <summary>True when the reader is on a string that names someone (not empty).</summary>
    public static bool IsNamed(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0;

    /// <summary>The string value the reader is on, cut to <see cref="MaxLength"/>; null for any other token or an empty string.</summary>
    public static string? Read(ref Utf8JsonReader reader) => IsNamed(ref reader) ? Cap(reader.GetString()!) : null;

    /// <summary>The end user a JSON string <paramref name="token"/> (quotes included) names; null when it is not one.</summary>
    public static string? Decode(ReadOnlySpan<byte> token)
    {
        var reader = new Utf8JsonReader(token);
        try
        {
            return reader.Read() ? Read(ref reader) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary><paramref name="value"/> cut to <see cref="MaxLength"/> characters, never inside a surrogate pair.</summary>
    public static string Cap(string value)
    {
        if (value.Length <= MaxLength)
        {
            return value;
        }

        var length = char.IsHighSurrogate(value[MaxLength - 1]) ? MaxLength - 1 : MaxLength;
        return value[..length];
    }

    /// <summary>
    /// Anthropic's <c>metadata.user_id</c> of a Messages body sent to Anthropic as the client wrote it (one the gateway
    /// could not translate); null when absent or not a string, or when the body cannot be read.
    /// </summary>
    public static string? ReadAnthropic(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var metadata = reader.ValueTextEquals("metadata"u8);
                reader.Read();
                if (metadata && reader.TokenType == JsonTokenType.StartObject)
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var userId = reader.ValueTextEquals("user_id"u8);
                        reader.Read();
                        if (userId)
                        {
                            return Read(ref reader);
                        }

                        reader.Skip();
                    }

                    return null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Anthropic answers a body it cannot read; the ledger has no user for it.
        }

        return null;
    }
}
