using System.Text.Json;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.OpenAI;

/// <summary>
/// Reads only what routing needs from an OpenAI chat-completions body with <see cref="Utf8JsonReader"/>, validating the
/// whole document on the way. Nothing but the model id is materialised.
/// </summary>
public static class ChatRequestParser
{
    /// <summary>Parses <paramref name="body"/>; on failure returns false with an OpenAI-style message and param.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, out ChatRequestInfo info, out RequestError error)
    {
        info = default;
        error = default;
        var reader = new Utf8JsonReader(body, RequestJson.ReaderOptions);
        try
        {
            if (!TryStart(ref reader, ref error))
            {
                return false;
            }

            var model = default(ModelToken);
            var stream = false;
            var shape = StreamOptionsShape.Absent;
            int optionsStart = 0, optionsLength = 0;
            var clientUsage = false;
            int includeStart = -1, includeLength = 0;
            int? maxTokens = null;
            int? choices = null;
            int userStart = 0, userLength = 0;
            var userNamed = false;
            var completionTokens = false;
            var routing = new RoutingFieldsReader();

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    model = ReadModel(ref reader, ref error);
                }
                else if (reader.ValueTextEquals("stream"u8))
                {
                    reader.Read();
                    if (ReadBoolean(ref reader, "stream", ref error) is { } value)
                    {
                        stream = value;
                    }
                }
                else if (reader.ValueTextEquals("stream_options"u8))
                {
                    reader.Read();
                    optionsStart = (int)reader.TokenStartIndex;
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        shape = StreamOptionsShape.Null;
                        optionsLength = 4;
                    }
                    else if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        shape = StreamOptionsShape.EmptyObject;
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            shape = StreamOptionsShape.WithProperties;
                            var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
                            reader.Read();
                            if (isIncludeUsage)
                            {
                                if (reader.TokenType == JsonTokenType.True)
                                {
                                    clientUsage = true;
                                }
                                else if (reader.TokenType is JsonTokenType.False or JsonTokenType.Null)
                                {
                                    includeStart = (int)reader.TokenStartIndex;
                                    includeLength = reader.ValueSpan.Length;
                                }
                                else
                                {
                                    error = ParameterErrors.WrongType("stream_options.include_usage", "a boolean", RequestJson.KindOf(reader.TokenType), reader.ValueSpan);
                                }
                            }

                            reader.Skip();
                        }

                        optionsLength = (int)reader.BytesConsumed - optionsStart;
                    }
                    else
                    {
                        error = ParameterErrors.WrongType("stream_options", "an object", RequestJson.KindOf(reader.TokenType), reader.ValueSpan);
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("max_completion_tokens"u8) || reader.ValueTextEquals("max_tokens"u8))
                {
                    // Both are checked wherever they stand; max_completion_tokens wins, as translators read it.
                    var completion = reader.ValueTextEquals("max_completion_tokens"u8);
                    reader.Read();
                    if (ReadTokenLimit(ref reader, completion ? "max_completion_tokens" : "max_tokens", ref error) is { } value && (completion || !completionTokens))
                    {
                        maxTokens = value;
                        completionTokens |= completion;
                    }
                }
                else if (reader.ValueTextEquals("n"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var n) && n is >= 1 and <= 128)
                    {
                        choices = n;
                    }

                    reader.Skip();
                }
                else if (reader.ValueTextEquals("user"u8) || reader.ValueTextEquals("safety_identifier"u8))
                {
                    // user names the end user where both are sent (the ledger's; the provider validates either). Only
                    // where it lies is kept: it is read for metered keys alone (ChatRequestInfo.ReadUser).
                    var named = reader.ValueTextEquals("user"u8);
                    reader.Read();
                    if ((named || !userNamed) && EndUser.IsNamed(ref reader))
                    {
                        (userStart, userLength) = ((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2);
                        userNamed = named;
                    }

                    reader.Skip();
                }
                else if (!routing.TryRead(ref reader, ref error))
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (!TryFinish(ref reader, model, ref error))
            {
                return false;
            }

            info = new ChatRequestInfo
            {
                Model = model.Value!,
                ModelTokenStart = model.Start,
                ModelTokenLength = model.Length,
                Stream = stream,
                StreamOptions = shape,
                StreamOptionsStart = optionsStart,
                StreamOptionsLength = optionsLength,
                ClientRequestedUsage = clientUsage,
                IncludeUsageValueStart = includeStart,
                IncludeUsageValueLength = includeLength,
                MaxTokens = maxTokens,
                Choices = choices,
                UserTokenStart = userStart,
                UserTokenLength = userLength,
                FallbackModels = routing.Models,
                Provider = routing.Provider,
                GatewayProperties = routing.Ranges,
            };
            return true;
        }
        catch (JsonException ex)
        {
            error = new RequestError(JsonSyntaxError.Describe(body, ex), null, "invalid_json");
            return false;
        }
    }

    /// <summary>Reads the body's first token; false with the error when the body is not a JSON object.</summary>
    internal static bool TryStart(ref Utf8JsonReader reader, ref RequestError error)
    {
        if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            return true;
        }

        error = new RequestError("The request body must be a JSON object.", null, "invalid_request_body");
        return false;
    }

    /// <summary>On the <c>model</c> property's name: reads its value (a string, or <paramref name="error"/> is set).</summary>
    internal static ModelToken ReadModel(ref Utf8JsonReader reader, ref RequestError error)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.String)
        {
            error = ParameterErrors.WrongType("model", "a string", RequestJson.KindOf(reader.TokenType), reader.ValueSpan);
            reader.Skip();
            return default;
        }

        return new ModelToken(reader.GetString(), (int)reader.TokenStartIndex, reader.ValueSpan.Length + 2);
    }

    /// <summary>
    /// After the top-level object's last property: false with the error when data follows it, when a property was refused
    /// on the way (<paramref name="error"/> already set) or when the model is missing.
    /// </summary>
    internal static bool TryFinish(ref Utf8JsonReader reader, in ModelToken model, ref RequestError error)
    {
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            error = new RequestError("The request body is not valid JSON: unexpected data after the top-level object.", null, "invalid_json");
            return false;
        }

        if (error.Message is not null)
        {
            return false;
        }

        if (string.IsNullOrEmpty(model.Value))
        {
            error = new RequestError("You must provide a model parameter.", "model", "missing_required_parameter");
            return false;
        }

        return true;
    }

    /// <summary>The boolean the reader is on; null for JSON null, and for anything else, with <paramref name="error"/> set.</summary>
    internal static bool? ReadBoolean(ref Utf8JsonReader reader, string param, ref RequestError error)
    {
        if (reader.TokenType is JsonTokenType.True or JsonTokenType.False)
        {
            return reader.TokenType == JsonTokenType.True;
        }

        if (reader.TokenType != JsonTokenType.Null)
        {
            error = ParameterErrors.WrongType(param, "a boolean", RequestJson.KindOf(reader.TokenType), reader.ValueSpan);
            reader.Skip();
        }

        return null;
    }

    /// <summary>
    /// The token limit the reader is on, when it is an int of at least 1, OpenAI's bounds for both token limits
    /// (<c>100.0</c> and <c>1e3</c> count); null for JSON null, and for anything else, with <paramref name="error"/> set.
    /// </summary>
    private static int? ReadTokenLimit(ref Utf8JsonReader reader, string param, ref RequestError error)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (ParameterErrors.TryReadInteger(param, reader.ValueSpan, 1, int.MaxValue, out var value, out var outOfRange))
            {
                return (int)value;
            }

            error = outOfRange;
        }
        else if (reader.TokenType != JsonTokenType.Null)
        {
            error = ParameterErrors.WrongType(param, "an integer", RequestJson.KindOf(reader.TokenType), reader.ValueSpan);
            reader.Skip();
        }

        return null;
    }
}

/// <summary>A client error found while reading a request, in OpenAI's terms.</summary>
public readonly record struct RequestError(string? Message, string? Param, string? Code);

/// <summary>The request's <c>model</c> value and where its token (quotes included) lies in the body.</summary>
internal readonly record struct ModelToken(string? Value, int Start, int Length);
