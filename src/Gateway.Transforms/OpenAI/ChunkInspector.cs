using System.Text.Json;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.OpenAI;

/// <summary>
/// Walks an OpenAI chat-completion (or legacy completion) chunk or response once with <see cref="Utf8JsonReader"/> to learn whether it carries
/// output, usage or an error, reading usage figures (including cached and reasoning tokens) on the way. No allocation.
/// </summary>
public static class ChunkInspector
{
    /// <summary>Inspects <paramref name="json"/>; usage figures found are stored in <paramref name="usage"/>.</summary>
    public static ChunkFacts Inspect(ReadOnlySpan<byte> json, ref TokenUsage usage) => Inspect(json, ref usage, out _);

    /// <summary>
    /// Inspects <paramref name="json"/>, and gives where its top-level <c>"usage":null</c> member lies (from the name's
    /// opening quote to the end of <c>null</c>), or an empty range when it has none: OpenAI sends that member on every
    /// chunk of a stream asked for usage.
    /// </summary>
    public static ChunkFacts Inspect(ReadOnlySpan<byte> json, ref TokenUsage usage, out Range nullUsage)
    {
        var facts = ChunkFacts.None;
        nullUsage = default;
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return ChunkFacts.None;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("choices"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        facts |= ReadChoices(ref reader);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("usage"u8))
                {
                    var nameStart = (int)reader.TokenStartIndex;
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        ReadUsage(ref reader, ref usage);
                        facts |= ChunkFacts.HasUsage;
                    }
                    else if (reader.TokenType == JsonTokenType.Null)
                    {
                        nullUsage = nameStart..(int)reader.BytesConsumed;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Null)
                    {
                        facts |= ChunkFacts.HasError;
                    }

                    reader.Skip();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return facts | ChunkFacts.HasError;
        }

        return facts;
    }

    /// <summary>Reads an OpenAI usage object (<c>{"prompt_tokens":...}</c>) on its own; false when it is not one.</summary>
    public static bool TryReadUsage(ReadOnlySpan<byte> usageObject, ref TokenUsage usage)
    {
        var reader = new Utf8JsonReader(usageObject);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            ReadUsage(ref reader, ref usage);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static ChunkFacts ReadChoices(ref Utf8JsonReader reader)
    {
        var facts = ChunkFacts.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            facts |= ChunkFacts.HasChoices;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("delta"u8) || reader.ValueTextEquals("message"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        facts |= ReadDelta(ref reader);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else if (reader.ValueTextEquals("finish_reason"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        facts |= ChunkFacts.Finished;
                    }
                }
                else if (reader.ValueTextEquals("text"u8))
                {
                    // A legacy completion's choice carries its text itself (no delta).
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0)
                    {
                        facts |= ChunkFacts.HasOutput;
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }

        return facts;
    }

    private static ChunkFacts ReadDelta(ref Utf8JsonReader reader)
    {
        var facts = ChunkFacts.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isOutput = reader.ValueTextEquals("content"u8)
                || reader.ValueTextEquals("refusal"u8)
                || reader.ValueTextEquals("reasoning_content"u8)
                || reader.ValueTextEquals("reasoning"u8)
                || reader.ValueTextEquals("tool_calls"u8)
                || reader.ValueTextEquals("function_call"u8);
            reader.Read();
            if (isOutput)
            {
                var hasValue = reader.TokenType switch
                {
                    JsonTokenType.String => reader.ValueSpan.Length > 0,
                    JsonTokenType.StartArray or JsonTokenType.StartObject => true,
                    _ => false,
                };
                if (hasValue)
                {
                    facts |= ChunkFacts.HasOutput;
                }
            }

            reader.Skip();
        }

        return facts;
    }

    private static void ReadUsage(ref Utf8JsonReader reader, ref TokenUsage usage)
    {
        usage.IsKnown = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                usage.PromptTokens = ReadLong(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                usage.CompletionTokens = ReadLong(ref reader);
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8))
            {
                usage.CachedPromptTokens = ReadNested(ref reader, "cached_tokens"u8, usage.CachedPromptTokens);
            }
            else if (reader.ValueTextEquals("completion_tokens_details"u8))
            {
                usage.ReasoningTokens = ReadNested(ref reader, "reasoning_tokens"u8, usage.ReasoningTokens);
            }
            else if (reader.ValueTextEquals("prompt_cache_hit_tokens"u8))
            {
                // DeepSeek reports cache hits at the top level of usage.
                usage.CachedPromptTokens = ReadLong(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static long ReadLong(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : 0;
    }

    private static long ReadNested(ref Utf8JsonReader reader, ReadOnlySpan<byte> name, long current)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return current;
        }

        var result = current;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(name))
            {
                result = ReadLong(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return result;
    }
}
