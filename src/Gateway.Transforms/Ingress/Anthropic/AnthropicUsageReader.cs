using System.Text.Json;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Ingress.Anthropic;

/// <summary>
/// Reads token usage off Anthropic's own bodies for metering passthrough traffic: a message's <c>usage</c>, message_start's
/// <c>message.usage</c> and message_delta's cumulative <c>usage</c> (the final output count).
/// </summary>
public static class AnthropicUsageReader
{
    /// <summary>Updates <paramref name="usage"/> from a message or an event's data; true when the event carries generated content.</summary>
    public static bool Read(ReadOnlySpan<byte> json, ref TokenUsage usage)
    {
        var content = false;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        ReadUsage(ref reader, ref usage);
                        continue;
                    }
                }
                else if (reader.ValueTextEquals("message"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        Read(ref reader, ref usage);
                        continue;
                    }
                }
                else if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    content |= reader.ValueTextEquals("content_block_delta"u8);
                }
                else
                {
                    reader.Read();
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return content;
    }

    private static void Read(ref Utf8JsonReader reader, ref TokenUsage usage)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isUsage = reader.ValueTextEquals("usage"u8);
            reader.Read();
            if (isUsage && reader.TokenType == JsonTokenType.StartObject)
            {
                ReadUsage(ref reader, ref usage);
                continue;
            }

            reader.Skip();
        }
    }

    /// <summary>Anthropic counts cache reads and writes apart from input_tokens; the prompt is their sum.</summary>
    private static void ReadUsage(ref Utf8JsonReader reader, ref TokenUsage usage)
    {
        long? input = null, cacheRead = null, cacheWrite = null, output = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueTextEquals("input_tokens"u8) ? 1
                : reader.ValueTextEquals("cache_read_input_tokens"u8) ? 2
                : reader.ValueTextEquals("cache_creation_input_tokens"u8) ? 3
                : reader.ValueTextEquals("output_tokens"u8) ? 4
                : 0;
            reader.Read();
            if (name > 0 && reader.TokenType == JsonTokenType.Number)
            {
                var value = reader.GetInt64();
                switch (name)
                {
                    case 1: input = value; break;
                    case 2: cacheRead = value; break;
                    case 3: cacheWrite = value; break;
                    default: output = value; break;
                }
            }

            reader.Skip();
        }

        if (input is not null)
        {
            usage.CachedPromptTokens = cacheRead ?? usage.CachedPromptTokens;
            usage.PromptTokens = input.Value + usage.CachedPromptTokens + (cacheWrite ?? 0);
        }

        if (output is not null)
        {
            usage.CompletionTokens = output.Value;
        }

        usage.IsKnown = true;
    }
}
