using System.Text.Json;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// The output limit of a body sent to a provider as the client wrote it (Anthropic's <c>max_tokens</c>, the Responses
/// API's <c>max_output_tokens</c>), read only to bound its cost at admission (<see cref="Metering.CostBound"/>): the
/// provider validates it, so a value of another type or out of range is taken as no limit.
/// </summary>
internal static class OutputLimit
{
    /// <summary>The top-level integer property <paramref name="name"/> when it is a positive integer; else null.</summary>
    public static int? Read(ReadOnlySpan<byte> body, ReadOnlySpan<byte> name)
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
                var found = reader.ValueTextEquals(name);
                reader.Read();
                if (found)
                {
                    return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value) && value > 0 ? value : null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not this method's to refuse: the provider answers a body it cannot read.
        }

        return null;
    }
}
