using System.Buffers;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Translation;

namespace MassRouter.Gateway.Transforms.OpenAI;

/// <summary>
/// The OpenRouter-style request fields only the gateway reads: <c>models</c> (fallback models) and <c>provider</c>
/// (provider preferences). They are read from a request of either API and removed before the request is sent to any
/// provider, so no provider, and none of the request writers of translated providers, ever sees them.
/// </summary>
public static class GatewayRoutingFields
{
    /// <summary>
    /// Reads the routing fields of a JSON object that is not a chat-completions request (an Anthropic Messages request);
    /// false with the client's error, in Anthropic's words (<c>models: Input should be a valid list</c>), when one of them
    /// is malformed or the body is not a JSON object.
    /// </summary>
    public static bool TryRead(
        ReadOnlySpan<byte> body,
        out IReadOnlyList<string>? models,
        out ProviderPreferences? provider,
        out GatewayPropertyRanges ranges,
        out RequestError error)
    {
        models = null;
        provider = null;
        ranges = default;
        error = default;
        var routing = new RoutingFieldsReader();
        var reader = new Utf8JsonReader(body, RequestJson.ReaderOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = new RequestError("The request body must be a JSON object.", null, "invalid_request_body");
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!routing.TryRead(ref reader, ref error))
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException ex)
        {
            error = new RequestError(JsonSyntaxError.Describe(body, ex), null, "invalid_json");
            return false;
        }

        if (error.Message is not null)
        {
            error = InAnthropicWords(error);
            return false;
        }

        (models, provider, ranges) = (routing.Models, routing.Provider, routing.Ranges);
        return true;
    }

    /// <summary>
    /// A malformed routing field as Anthropic words a malformed field of its own (the field by its dotted path, then what it
    /// should be), so one request does not mix two dialects: <c>provider.order.1: Input should be a valid string</c>.
    /// </summary>
    private static RequestError InAnthropicWords(RequestError error)
    {
        if (error.Param is not { } param)
        {
            // The body itself (not an object, not JSON): no field to name.
            return error;
        }

        var path = param.Replace('[', '.').Replace("]", "", StringComparison.Ordinal);
        var message = (error.Code, param) switch
        {
            ("invalid_type", _) => $"{path}: Input should be {Expected(param)}",
            ("invalid_value", "provider.sort") => $"{path}: Input should be 'price', 'latency' or 'throughput'",
            ("invalid_value", "models" or "provider") => $"{path}: Field given more than once",
            _ => $"{path}: {error.Message}",
        };
        return error with { Message = message };

        static string Expected(string param) => param switch
        {
            _ when param.EndsWith(']') => "a valid string",
            "provider" => "a valid dictionary",
            "provider.allow_fallbacks" => "a valid boolean",
            _ => "a valid list",
        };
    }

    /// <summary>
    /// Writes a chat-completions body without its routing fields and returns what <see cref="ChatRequestParser"/> reads of
    /// the new body, with the original's fallback models and provider preferences.
    /// </summary>
    public static ChatRequestInfo Remove(ReadOnlySpan<byte> body, in ChatRequestInfo info, PooledBufferWriter output)
    {
        Remove(body, info.GatewayProperties, output);
        if (!ChatRequestParser.TryParse(output.WrittenSpan, out var forwarded, out var error))
        {
            throw new InvalidOperationException("Removing the gateway's routing fields left a body that does not parse: " + error.Message);
        }

        return forwarded with { FallbackModels = info.FallbackModels, Provider = info.Provider };
    }

    /// <summary>Writes <paramref name="body"/> without the properties in <paramref name="ranges"/>, leaving valid JSON.</summary>
    public static void Remove(ReadOnlySpan<byte> body, GatewayPropertyRanges ranges, IBufferWriter<byte> output)
    {
        if (!ranges.Any)
        {
            output.Write(body);
            return;
        }

        var (firstStart, firstEnd) = Removal(body, ranges.FirstStart, ranges.FirstEnd, -1);
        output.Write(body[..firstStart]);
        if (ranges.SecondEnd > ranges.SecondStart)
        {
            var (secondStart, secondEnd) = Removal(body, ranges.SecondStart, ranges.SecondEnd, firstEnd);
            output.Write(body[firstEnd..secondStart]);
            firstEnd = secondEnd;
        }

        output.Write(body[firstEnd..]);
    }

    /// <summary>
    /// The bytes to remove for one property (name through value) with exactly one of its separating commas: the one before
    /// it, unless it is the first property (or that comma is already removed with the property before), then the one after.
    /// </summary>
    private static (int Start, int End) Removal(ReadOnlySpan<byte> body, int start, int end, int previousRemovalEnd)
    {
        var before = start - 1;
        while (before > 0 && IsJsonWhitespace(body[before]))
        {
            before--;
        }

        if (body[before] == (byte)',' && before >= previousRemovalEnd)
        {
            return (before, end);
        }

        var after = end;
        while (after < body.Length && IsJsonWhitespace(body[after]))
        {
            after++;
        }

        return after < body.Length && body[after] == (byte)',' ? (start, after + 1) : (start, end);
    }

    private static bool IsJsonWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r';
}
