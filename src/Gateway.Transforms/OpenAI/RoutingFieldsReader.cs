using System.Text.Json;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.OpenAI;

/// <summary>
/// Reads the gateway's routing fields (<c>models</c>, <c>provider</c>) as a forward-only reader meets the properties of a
/// request's top-level object, noting each one's byte range (name through value) for its removal.
/// </summary>
internal struct RoutingFieldsReader
{
    private int _firstStart;
    private int _firstEnd;
    private int _secondStart;
    private int _secondEnd;
    private bool _modelsSeen;
    private bool _providerSeen;

    /// <summary>The <c>models</c> fallbacks; null when absent or null.</summary>
    public List<string>? Models { get; private set; }

    /// <summary>The <c>provider</c> preferences; null when absent or null.</summary>
    public ProviderPreferences? Provider { get; private set; }

    /// <summary>Where the fields are in the body.</summary>
    public readonly GatewayPropertyRanges Ranges => new(_firstStart, _firstEnd, _secondStart, _secondEnd);

    /// <summary>
    /// On a top-level property name: reads the property through its value when it is a routing field (a malformed one sets
    /// <paramref name="error"/>); false, with the reader left on the name, for any other property.
    /// </summary>
    public bool TryRead(ref Utf8JsonReader reader, ref RequestError error)
    {
        var isModels = reader.ValueTextEquals("models"u8);
        if (!isModels && !reader.ValueTextEquals("provider"u8))
        {
            return false;
        }

        var start = (int)reader.TokenStartIndex;
        reader.Read();
        if (isModels ? _modelsSeen : _providerSeen)
        {
            // Only two ranges are kept, and a provider would have to pick one of the values anyway.
            var name = isModels ? "models" : "provider";
            error = new RequestError($"'{name}' is given more than once.", name, "invalid_value");
            reader.Skip();
            return true;
        }

        if (isModels)
        {
            _modelsSeen = true;
            Models = ReadStringArray(ref reader, "models", ref error);
        }
        else
        {
            _providerSeen = true;
            Provider = ReadProviderPreferences(ref reader, ref error);
        }

        var end = (int)reader.BytesConsumed;
        if (_firstEnd == 0)
        {
            (_firstStart, _firstEnd) = (start, end);
        }
        else
        {
            (_secondStart, _secondEnd) = (start, end);
        }

        return true;
    }

    private static List<string>? ReadStringArray(ref Utf8JsonReader reader, string param, ref RequestError error)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            error = ParameterErrors.WrongType(param, "an array of strings", RequestJson.KindOf(reader.TokenType), reader.ValueSpan);
            reader.Skip();
            return null;
        }

        var values = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                error = ParameterErrors.WrongType($"{param}[{values.Count}]", "a string", RequestJson.KindOf(reader.TokenType), reader.ValueSpan);
                reader.Skip();
                continue;
            }

            values.Add(reader.GetString()!);
        }

        return values;
    }

    private static ProviderPreferences? ReadProviderPreferences(ref Utf8JsonReader reader, ref RequestError error)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            error = ParameterErrors.WrongType("provider", "an object", RequestJson.KindOf(reader.TokenType), reader.ValueSpan);
            reader.Skip();
            return null;
        }

        IReadOnlyList<string> order = [], only = [], ignore = [];
        var allowFallbacks = true;
        string? sort = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("order"u8))
            {
                reader.Read();
                order = ReadStringArray(ref reader, "provider.order", ref error) ?? [];
            }
            else if (reader.ValueTextEquals("only"u8))
            {
                reader.Read();
                only = ReadStringArray(ref reader, "provider.only", ref error) ?? [];
            }
            else if (reader.ValueTextEquals("ignore"u8))
            {
                reader.Read();
                ignore = ReadStringArray(ref reader, "provider.ignore", ref error) ?? [];
            }
            else if (reader.ValueTextEquals("allow_fallbacks"u8))
            {
                reader.Read();
                allowFallbacks = ChatRequestParser.ReadBoolean(ref reader, "provider.allow_fallbacks", ref error) ?? allowFallbacks;
            }
            else if (reader.ValueTextEquals("sort"u8))
            {
                reader.Read();
                sort = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                if (sort is not (null or "price" or "latency" or "throughput"))
                {
                    error = new RequestError("'provider.sort' must be one of 'price', 'latency' or 'throughput'.", "provider.sort", "invalid_value");
                }

                reader.Skip();
            }
            else
            {
                // Other OpenRouter preferences (data_collection, quantizations, ...) do not apply to a self-hosted gateway.
                reader.Read();
                reader.Skip();
            }
        }

        return new ProviderPreferences { Order = order, Only = only, Ignore = ignore, AllowFallbacks = allowFallbacks, Sort = sort };
    }
}
