using System.Text.Json;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.OpenAI;

/// <summary>
/// Reads what routing needs from an OpenAI embeddings body (<c>POST /v1/embeddings</c>) and checks the shape of its
/// <c>input</c>: a string, or a non-empty array of strings, of token ids or of non-empty arrays of token ids. Everything
/// else (<c>encoding_format</c>, <c>dimensions</c>, <c>user</c>, a provider's own fields) is the provider's to judge.
/// </summary>
public static class EmbeddingsRequestParser
{
    /// <summary>
    /// Parses <paramref name="body"/> into the request facts the chat path also uses (never streamed, so the rewrite
    /// replaces only the model id); on failure returns false with an OpenAI-style message and param.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> body, out ChatRequestInfo info, out RequestError error)
    {
        info = default;
        error = default;
        var reader = new Utf8JsonReader(body, RequestJson.ReaderOptions);
        try
        {
            if (!ChatRequestParser.TryStart(ref reader, ref error))
            {
                return false;
            }

            var model = default(ModelToken);
            var inputSeen = false;
            int userStart = 0, userLength = 0;
            var routing = new RoutingFieldsReader();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    model = ChatRequestParser.ReadModel(ref reader, ref error);
                }
                else if (reader.ValueTextEquals("input"u8))
                {
                    reader.Read();
                    inputSeen = true;
                    CheckInput(ref reader, ref error);
                }
                else if (reader.ValueTextEquals("user"u8))
                {
                    reader.Read();
                    if (EndUser.IsNamed(ref reader))
                    {
                        (userStart, userLength) = ((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2);
                    }

                    reader.Skip();
                }
                else if (!routing.TryRead(ref reader, ref error))
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (!ChatRequestParser.TryFinish(ref reader, model, ref error))
            {
                return false;
            }

            if (!inputSeen)
            {
                error = ParameterErrors.Missing("input");
                return false;
            }

            info = new ChatRequestInfo
            {
                Model = model.Value!,
                ModelTokenStart = model.Start,
                ModelTokenLength = model.Length,
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

    /// <summary>Checks the <c>input</c> value the reader is on and leaves the reader at its end.</summary>
    private static void CheckInput(ref Utf8JsonReader reader, ref RequestError error)
    {
        const string Expected = "a string or an array of strings, of token ids or of token id arrays";
        if (reader.TokenType == JsonTokenType.String)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            error = ParameterErrors.WrongType("input", Expected, RequestJson.KindOf(reader.TokenType), reader.ValueSpan);
            reader.Skip();
            return;
        }

        // The first element decides which of the three array forms this is; every other element must be of the same form.
        // After an error the reader is moved to the array's end, so the caller goes on with the next property. Paths
        // (input[3][7]) are built only for an error: a batch may hold thousands of elements.
        var depth = reader.CurrentDepth;
        var index = 0;
        var form = JsonTokenType.None;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (form == JsonTokenType.None)
            {
                form = reader.TokenType;
                if (form is not (JsonTokenType.String or JsonTokenType.Number or JsonTokenType.StartArray))
                {
                    error = ParameterErrors.WrongType($"input[{index}]", "a string, a token id or an array of token ids", RequestJson.KindOf(reader.TokenType), reader.ValueSpan);
                    SkipToEnd(ref reader, depth);
                    return;
                }
            }

            if (reader.TokenType != form)
            {
                error = ParameterErrors.WrongType($"input[{index}]", Describe(form), RequestJson.KindOf(reader.TokenType), reader.ValueSpan);
                SkipToEnd(ref reader, depth);
                return;
            }

            if (form == JsonTokenType.Number && !IsTokenId(reader.ValueSpan))
            {
                error = TokenIdError($"input[{index}]", reader.ValueSpan);
                SkipToEnd(ref reader, depth);
                return;
            }

            if (form == JsonTokenType.StartArray && !CheckTokenIds(index, ref reader, ref error))
            {
                SkipToEnd(ref reader, depth);
                return;
            }

            index++;
        }

        if (index == 0)
        {
            error = new RequestError(
                "Invalid 'input': empty array. Expected an array with minimum length 1, but got an empty array instead.", "input", "empty_array");
        }
    }

    /// <summary>The array of token ids at <c>input[<paramref name="outer"/>]</c> (the reader on its start), non-empty; the reader is left at its end when it is.</summary>
    private static bool CheckTokenIds(int outer, ref Utf8JsonReader reader, ref RequestError error)
    {
        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number)
            {
                error = ParameterErrors.WrongType($"input[{outer}][{count}]", "an integer", RequestJson.KindOf(reader.TokenType), reader.ValueSpan);
                return false;
            }

            if (!IsTokenId(reader.ValueSpan))
            {
                error = TokenIdError($"input[{outer}][{count}]", reader.ValueSpan);
                return false;
            }

            count++;
        }

        if (count == 0)
        {
            error = new RequestError(
                $"Invalid 'input[{outer}]': empty array. Expected an array with minimum length 1, but got an empty array instead.", $"input[{outer}]", "empty_array");
            return false;
        }

        return true;
    }

    private static bool IsTokenId(ReadOnlySpan<byte> number) => RequestJson.ReadInteger(number, 0, int.MaxValue, out _) == JsonInteger.Integer;

    /// <summary>What a number that is not a token id is told, in the words of every other integer parameter.</summary>
    private static RequestError TokenIdError(string param, ReadOnlySpan<byte> number)
    {
        ParameterErrors.TryReadInteger(param, number, 0, int.MaxValue, out _, out var error);
        return error;
    }

    /// <summary>Moves the reader to the end of the array that starts at <paramref name="depth"/>.</summary>
    private static void SkipToEnd(ref Utf8JsonReader reader, int depth)
    {
        while (reader.TokenType != JsonTokenType.EndArray || reader.CurrentDepth != depth)
        {
            reader.Read();
        }
    }

    private static string Describe(JsonTokenType form) => form switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "an integer",
        _ => "an array of integers",
    };
}
