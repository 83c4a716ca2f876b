using System.Text.Json;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Ingress.Responses;

/// <summary>
/// Reads token usage off OpenAI's own Responses bodies for metering passthrough traffic: a Response's top-level
/// <c>usage</c> (<c>input_tokens</c>, <c>output_tokens</c>, <c>input_tokens_details.cached_tokens</c>,
/// <c>output_tokens_details.reasoning_tokens</c>), or the <c>response</c> a terminal event carries.
/// </summary>
public static class ResponsesUsageReader
{
    /// <summary>Updates <paramref name="usage"/> from a Response object; false when it has none (or is not JSON).</summary>
    public static bool ReadResponse(ReadOnlySpan<byte> json, ref TokenUsage usage) => Read(json, "usage"u8, ref usage);

    /// <summary>Updates <paramref name="usage"/> from a terminal event's data (<c>{"type":...,"response":{...}}</c>).</summary>
    public static bool ReadEvent(ReadOnlySpan<byte> json, ref TokenUsage usage) => Read(json, "response"u8, ref usage);

    private static bool Read(ReadOnlySpan<byte> json, ReadOnlySpan<byte> member, ref TokenUsage usage)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject && ReadObject(ref reader, member, ref usage);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Reads the object the reader is on; <paramref name="member"/> is <c>usage</c> or the <c>response</c> holding it.</summary>
    private static bool ReadObject(ref Utf8JsonReader reader, ReadOnlySpan<byte> member, ref TokenUsage usage)
    {
        var found = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(member);
            reader.Read();
            if (match && reader.TokenType == JsonTokenType.StartObject)
            {
                found |= member.SequenceEqual("usage"u8) ? ReadUsage(ref reader, ref usage) : ReadObject(ref reader, "usage"u8, ref usage);
            }
            else
            {
                reader.Skip();
            }
        }

        return found;
    }

    private static bool ReadUsage(ref Utf8JsonReader reader, ref TokenUsage usage)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("input_tokens"u8))
            {
                usage.PromptTokens = Number(ref reader);
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                usage.CompletionTokens = Number(ref reader);
            }
            else if (reader.ValueTextEquals("input_tokens_details"u8))
            {
                usage.CachedPromptTokens = Detail(ref reader, "cached_tokens"u8);
            }
            else if (reader.ValueTextEquals("output_tokens_details"u8))
            {
                usage.ReasoningTokens = Detail(ref reader, "reasoning_tokens"u8);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        usage.IsKnown = true;
        return true;
    }

    private static long Number(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? Math.Max(0, value) : 0;
    }

    private static long Detail(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return 0;
        }

        long value = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(name))
            {
                value = Number(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return value;
    }
}
